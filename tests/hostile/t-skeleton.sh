# SPDX-License-Identifier: GPL-3.0-or-later
# The harness itself: an unknown option is misuse (exit 2) and writes nothing.
. "$srcdir/tests/hostile/lib.sh"
new_case unknown-option
run meta --no-such-option
expect_status 2
expect_only_files "$W"
hostile_done
