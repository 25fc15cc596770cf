#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# lint - the house rules CI enforces by grep (STYLE.md 1, 5.9, 10).
#
# Usage: tests/lint/lint.sh SOURCE_DIR BUILD_DIR
#   - lib/ has no libmilter and no syslog;
#   - libvigil.a exports only vg_ symbols;
#   - no banned function (atoi, atol, sprintf, strcpy, strcat, gets, strtok);
#   - no ctype call on a plain char (the argument must be cast to
#     unsigned char or be an int that came from one);
#   - clang-format --dry-run --Werror is clean over lib/, milter/, tests/.
# Prints one line per failed rule and exits 1 if any failed; when all the
# others pass but clang-format is not installed, skips (exit 77,
# tests/tools/skip.sh).
set -u
src=${1:?source dir}
build=${2:?build dir}
cd "$src" || exit 1
fail=0

say() { echo "lint: $*"; fail=1; }

hits=$(grep -rlE 'mfapi\.h|syslog\(' lib/ 2>/dev/null)
[ -z "$hits" ] || say "libmilter or syslog in lib/: $hits"

lib=$(find "$build" -name libvigil.a | head -1)
if [ -z "$lib" ]; then
	say "libvigil.a not found under $build"
else
	bad=$(nm -g --defined-only "$lib" 2>/dev/null |
		awk 'NF == 3 { print $3 }' | grep -v '^vg_' | sort -u)
	[ -z "$bad" ] || say "libvigil.a exports non-vg_ symbols: $(echo $bad)"
fi

files=$(git ls-files -- 'lib/*.[ch]' 'milter/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]' 2>/dev/null)
[ -n "$files" ] || files=$(find lib milter tests bench -name '*.[ch]' 2>/dev/null)

banned=$(grep -nE '(^|[^_[:alnum:]])(atoi|atol|atoll|sprintf|vsprintf|strcpy|strcat|gets|strtok)[[:space:]]*\(' $files |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)')
[ -z "$banned" ] || say "banned functions:"$'\n'"$banned"

ctype=$(grep -nP '(?<![_[:alnum:]])(is(alnum|alpha|blank|cntrl|digit|graph|lower|print|punct|space|upper|xdigit)|to(lower|upper))\((?!\s*\(unsigned char\))(?!\s*(c|ch|uc|b|byte)\s*\))' $files |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)')
[ -z "$ctype" ] || say "ctype call without an (unsigned char) argument:"$'\n'"$ctype"

noformat=
if command -v clang-format >/dev/null; then
	out=$(clang-format --dry-run --Werror $files 2>&1 | grep -E '^[^ ].*(warning|error):' | cut -d: -f1 | sort -u)
	[ -z "$out" ] || say "clang-format would change: $(echo $out)"
else
	noformat=yes
fi

[ $fail -eq 0 ] || exit 1
if [ -n "$noformat" ]; then
	. "$src/tests/tools/skip.sh"
	vg_skip "the other rules pass; clang-format is not installed" \
	    "(apt-get install clang-format)"
fi
echo "lint: all rules pass"
exit 0
