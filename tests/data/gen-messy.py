#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the messy-extract fixtures of issue 12 and what promstat must make
of them, from what each row was written to test (not from promstat).

  tests/data/registry-messy.csv       a clinic export: BOM, CRLF, Excel quoting,
                                      its own column names, every rule of
                                      "What promstat does to your extract"
  tests/data/registry-messy.expected  key value lines: the counts, ignored
                                      values, merged spellings and report
                                      entries promstat validate must give with
                                      the options on its first line
  tests/data/registry-cp1252.csv      an Excel export in Windows-1252
  tests/data/registry-bad-utf8.csv    UTF-8 with bytes that are not UTF-8 and
                                      not Windows-1252 either (0x81)

Run from the source tree: python3 tests/data/gen-messy.py
"""
import collections
import os

here = os.path.dirname(os.path.abspath(__file__))

HEADER = ["Patient_ID", "Therapy", "Questionnaire", "Score", "Visit Date",
          "treatment_date", "Sex", "Age", "date_of_birth", "ae", "Satisfied",
          "anchor", "site"]
OPTIONS = ["--map", "instrument=Questionnaire", "--map", "date=Visit Date",
           "--recode", "therapy=Hyaluronic Acid:HA", "--recode", "therapy=Cortisone:CS",
           "--recode", "instrument=NRS:PAIN_NRS", "--date-format", "DMY"]

# Each row: its fields, then what promstat must do with it: None (kept) or
# the reject reason; the values it must set missing as (column, reason);
# spellings it must merge as (column, level, spelling).
ROWS = [
    # P01: PRP in three spellings, female, ae None/0/effusion, satisfied yes
    # then no (a conflict), site North/north
    (["P01", "PRP", "PAIN_NRS", "7", "01/03/2023", "01/03/2023", "female", "54", "",
      "None", "", "", "North"], None, [], [("sex", "F", "female")]),
    (["P01", "PRP ", "Pain_NRS", "5", "12/04/2023", "01/03/2023", "F", "54", "", "0",
      "Yes", "1", "north"], None, [], [("therapy", "PRP", "PRP "), ("site", "North", "north")]),
    (["P01", "prp", "PAIN_NRS ", "3", "30/05/2023", "01/03/2023", "F", "54", "",
      "effusion", "no", "2", "North"], None, [], [("therapy", "PRP", "prp")]),
    # P02: recoded therapy, ISO dates with times, an age and an anchor
    # that cannot be read
    (["P02", "Hyaluronic Acid", "PAIN_NRS", "8", "2023-01-10", "2023-01-10", "m", "fifty",
      "", "N/A", "", "", "South"], None, [("age", "not_a_number")],
     [("therapy", "HA", "Hyaluronic Acid"), ("sex", "M", "m")]),
    (["P02", "HA", "PAIN_NRS", "6", "2023-04-20 09:30", "2023-01-10", "Male", "61", "", "-",
      "TRUE", "", "South"], None, [], [("sex", "M", "Male")]),
    (["P02", "HA", "KOOS_PAIN", "40", "2023-01-10T08:00:00", "2023-01-10", "M", "61", "",
      "nil", "", "1.5", "South"], None, [("anchor", "not_a_number")], []),
    # P03: recoded instrument, age from date_of_birth (62 on 2023-02-05),
    # then a stated age that disagrees with it
    (["P03", "PRP", "NRS", "6", "05/02/2023", "05/02/2023", "W", "", "15/06/1960", "no", "",
      "", "North"], None, [], [("sex", "F", "W")]),
    (["P03", "PRP", "PAIN_NRS", "4", "20/03/2023", "05/02/2023", "W", "70", "15/06/1960",
      "Effusion ", "y", "", "North"], None, [("age", "disagrees_with_date_of_birth")],
     [("sex", "F", "W"), ("ae", "effusion", "Effusion ")]),
    # P04: every row rejected
    (["P04", "PRP", "PAIN_NRS", "x", "01/03/2023", "01/03/2023", "F", "40", "", "", "", "",
      "North"], "not_a_number", [], []),
    (["P04", "PRP", "PAIN_NRS", "12", "12/04/2023", "01/03/2023", "F", "40", "", "", "", "",
      "North"], "out_of_range", [], []),
    # P05: no baseline; a sex promstat does not read; an event; satisfied
    # that cannot be read
    (["P05", "PRP", "PAIN_NRS", "5", "12/04/2023", "01/03/2023", "X", "45", "", "flare",
      "maybe", "", "East"], None, [("satisfied", "not_yes_no")], []),
    # P06: a baseline but no follow-up; dates that are not dates
    (["P06", "HA", "PAIN_NRS", "7", "01/03/2023", "01/03/2023", "F", "140", "", "", "", "",
      "East"], None, [("age", "out_of_range")], []),
    (["P06", "HA", "PAIN_NRS", "5", "30/02/2023", "01/03/2023", "F", "", "", "", "", "",
      "East"], "not_a_date", [], []),
    (["P06", "HA", "PAIN_NRS", "5", "soon", "01/03/2023", "F", "", "", "", "", "", "East"],
     "not_a_date", [], []),
    # P07: a second treatment_date (counted from the first), sex and age
    # that differ within the unit, then another therapy
    (["P07", "PRP", "PAIN_NRS", "8", "01/03/2023", "01/03/2023", "F", "50", "", "", "", "",
      "North"], None, [], []),
    (["P07", "PRP", "PAIN_NRS", "6", "12/04/2023", "01/04/2023", "M", "51", "", "", "", "",
      "North"], None, [("age", "inconsistent_unit"), ("sex", "inconsistent_unit")], []),
    (["P07", "MSC", "PAIN_NRS", "5", "30/05/2023", "01/03/2023", "F", "50", "", "", "", "",
      "North"], "inconsistent_unit", [], []),
    # P08: Excel quoting, a non-ASCII site with a comma
    (["P08", "\"PRP\"", "PAIN_NRS", "6", "\"01/03/2023\"", "01/03/2023", "F", "44", "", "",
      "", "", "\"Zürich, Nord\""], None, [], []),
    (["P08", "PRP", "PAIN_NRS", "3", "12/04/2023", "01/03/2023", "F", "44", "", "", "", "",
      "\"Zürich, Nord\""], None, [], []),
    # P09: an instrument the catalogue does not have
    (["P09", "PRP", "VAS", "5", "01/03/2023", "01/03/2023", "F", "44", "", "", "", "",
      "North"], "unknown_instrument", [], []),
    # P10: a duplicate written with dots, a blank therapy, a short row
    (["P10", "HA", "PAIN_NRS", "7", "01/03/2023", "01/03/2023", "F", "60", "", "", "", "",
      "South"], None, [], []),
    (["P10", "HA", "PAIN_NRS", "4", "1.3.2023", "01/03/2023", "F", "60", "", "", "", "",
      "South"], "duplicate", [], []),
    (["P10", "HA", "PAIN_NRS", "4", "12/04/2023", "01/03/2023", "F", "60", "", "", "", "",
      "South"], None, [], []),
    (["P10", "", "PAIN_NRS", "4", "12/04/2023", "01/03/2023", "F", "60", "", "", "", "",
      "South"], "missing_value", [], []),
    (["P10", "HA", "PAIN_NRS"], "field_count", [], []),
]

# What the rows above add up to that a row cannot say alone (written by
# hand from the rows: which units have a baseline, day -90..0, and which a
# follow-up in a default window; event codes by unit).
UNITS = ["P01", "P02", "P03", "P05", "P06", "P07", "P08", "P10"]
NO_BASELINE = ["P05"]	 # day 42 only
NO_FOLLOWUP = ["P06"]	 # day 0 only
ALL_REJECTED = ["P04", "P09"]
AE_CODES = [("effusion", 2), ("flare", 1)]  # rows 3 and 8, row 11
SEX_OTHER = [("X", 1)]
THERAPIES = [("HA", 3), ("PRP", 5)]
CONFLICTS = {"satisfied": 1, "treatment_date": 1}


def write_messy():
    out = []
    for fields, _, _, _ in ROWS:
        out.append(",".join(fields))
    text = "\ufeff" + ",".join(HEADER) + "\r\n" + "\r\n".join(out) + "\r\n"
    with open(os.path.join(here, "registry-messy.csv"), "wb") as f:
        f.write(text.encode("utf-8"))

    reasons = collections.Counter(r for _, r, _, _ in ROWS if r)
    ignored = collections.Counter(i for _, r, ign, _ in ROWS if not r for i in ign)
    merged = collections.Counter(m for _, r, _, mg in ROWS if not r for m in mg)
    lines = ["options " + "\t".join(OPTIONS),
             "rows_read %d" % len(ROWS),
             "rows_accepted %d" % sum(1 for _, r, _, _ in ROWS if not r),
             "rows_rejected %d" % sum(1 for _, r, _, _ in ROWS if r)]
    for reason in ["field_count", "missing_value", "not_a_number", "out_of_range",
                   "unknown_instrument", "inconsistent_unit", "duplicate", "not_a_date"]:
        lines.append("rejected_by_reason.%s %d" % (reason, reasons[reason]))
    lines.append("units %d" % len(UNITS))
    lines.append("patients %d" % len(UNITS))
    lines.append("values_ignored %d" % sum(ignored.values()))
    for (col, reason), n in sorted(ignored.items()):
        lines.append("values_ignored.%s.%s %d" % (col, reason, n))
    lines.append("merged_levels %d" % len(merged))
    for (col, level, spelling), n in sorted(merged.items()):
        lines.append("merged_levels.%s.%s.[%s] %d" % (col, level, spelling, n))
    lines.append("recodes_unused.therapy=Cortisone:CS 1")
    lines.append("recodes_unused 1")
    lines.append("patients_all_rejected %d" % len(ALL_REJECTED))
    for p in ALL_REJECTED:
        lines.append("patients_all_rejected.%s 1" % p)
    lines.append("units_all_rejected %d" % len(ALL_REJECTED))
    lines.append("units_without_baseline %d" % len(NO_BASELINE))
    for p in NO_BASELINE:
        lines.append("units_without_baseline.%s 1" % p)
    lines.append("units_without_followup %d" % len(NO_FOLLOWUP))
    for p in NO_FOLLOWUP:
        lines.append("units_without_followup.%s 1" % p)
    lines.append("ae_codes %d" % len(AE_CODES))
    for code, n in AE_CODES:
        lines.append("ae_codes.%s %d" % (code, n))
    for v, n in SEX_OTHER:
        lines.append("sex_other.%s %d" % (v, n))
    for t, n in THERAPIES:
        lines.append("therapy_units.%s %d" % (t, n))
    for k, n in CONFLICTS.items():
        lines.append("unit_conflicts.%s %d" % (k, n))
    lines.append("encoding.windows-1252 0")
    lines.append("encoding.bytes_replaced 0")
    with open(os.path.join(here, "registry-messy.expected"), "w") as f:
        f.write("\n".join(lines) + "\n")


def write_encodings():
    rows = ["patient_id,therapy,day,instrument,score,site,provider",
            "P1,PRP,0,PAIN_NRS,7,Zürich,Dr Müller",
            "P1,PRP,42,PAIN_NRS,4,Zürich,Dr Müller",
            "P2,HA,0,PAIN_NRS,6,Genève,Dr Françoise – Lefèvre",
            "P2,HA,90,PAIN_NRS,5,Genève,Dr Françoise – Lefèvre"]
    # Excel's "CSV" on Windows: Windows-1252 (the en dash is 0x96)
    with open(os.path.join(here, "registry-cp1252.csv"), "wb") as f:
        f.write(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    # UTF-8, but with bytes from neither encoding: 0x81 (undefined in
    # Windows-1252) and a lone 0xFF
    text = ("\n".join(rows) + "\n").encode("utf-8")
    text = text.replace("Genève".encode("utf-8"), b"Gen\x81ve", 1)
    text = text.replace(b"Dr M", b"Dr \xffM", 1)
    with open(os.path.join(here, "registry-bad-utf8.csv"), "wb") as f:
        f.write(text)


write_messy()
write_encodings()
