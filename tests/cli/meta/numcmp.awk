# SPDX-License-Identifier: GPL-3.0-or-later
# Compares two texts token by token, numbers with a tolerance:
#   awk -f numcmp.awk EXPECTED ACTUAL
# A token is a JSON string (quotes and escapes kept), a number, or any other
# single non-blank character or word (true, false, null, {, :, ...). Strings
# and words must be identical; two numbers agree when they differ by at most
# 1e-6 relative or 1e-9 absolute (the tolerance issue 4 asks for against
# metafor). Blanks and line breaks between tokens do not matter. Prints the
# first disagreement with the nearest preceding key and exits 1; exits 0
# when the texts agree.

function tokenize(s, tok,    n, i, len, c, j) {
	n = 0
	len = length(s)
	i = 1
	while (i <= len) {
		c = substr(s, i, 1)
		if (c ~ /[ \t\n\r]/) {
			i++
		} else if (c == "\"") {
			j = i + 1
			while (j <= len && substr(s, j, 1) != "\"") {
				if (substr(s, j, 1) == "\\")
					j++
				j++
			}
			tok[++n] = substr(s, i, j - i + 1)
			i = j + 1
		} else if (c ~ /[-+0-9.]/) {
			j = i
			while (j <= len && substr(s, j, 1) ~ /[-+0-9.eE]/)
				j++
			tok[++n] = substr(s, i, j - i)
			i = j
		} else if (c ~ /[A-Za-z_]/) {
			j = i
			while (j <= len && substr(s, j, 1) ~ /[A-Za-z_]/)
				j++
			tok[++n] = substr(s, i, j - i)
			i = j
		} else {
			tok[++n] = c
			i++
		}
	}
	return n
}

function isnum(t) {
	return t ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/
}

function abs(x) {
	return x < 0 ? -x : x
}

FNR == 1 { file++ }
file == 1 { exp_text = exp_text $0 "\n"; next }
{ act_text = act_text $0 "\n" }

END {
	ne = tokenize(exp_text, e)
	na = tokenize(act_text, a)
	key = "(start)"
	for (i = 1; i <= ne && i <= na; i++) {
		if (e[i] ~ /^"/ && e[i + 1] == ":")
			key = e[i]
		if (isnum(e[i]) && isnum(a[i])) {
			x = e[i] + 0
			y = a[i] + 0
			d = abs(x - y)
			if (d > 1e-9 && d > 1e-6 * abs(x)) {
				printf "numcmp: token %d (after %s): expected %s, got %s\n", i, key, e[i], a[i]
				exit 1
			}
		} else if (e[i] != a[i]) {
			printf "numcmp: token %d (after %s): expected %s, got %s\n", i, key, e[i], a[i]
			exit 1
		}
	}
	if (ne != na) {
		printf "numcmp: expected %d tokens, got %d (after %s)\n", ne, na, key
		exit 1
	}
	exit 0
}
