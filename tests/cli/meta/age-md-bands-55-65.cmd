meta tests/data/studies-age.csv --measure MD --by age_band --age-bands 55,65 --format json
