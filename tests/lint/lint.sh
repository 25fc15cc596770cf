#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# lint - the house rules CI enforces by grep (STYLE.md 1, 5.9, 10).
#
# Usage: tests/lint/lint.sh SOURCE_DIR BUILD_DIR
#   - lib/ has no libmilter and no syslog;
#   - includes in lib/ name their folder and point down the layers;
#   - libvigil.a exports only vg_ symbols;
#   - no banned function (atoi, atol, sprintf, strcpy, strcat, gets, strtok);
#   - no ctype call on a plain char (the argument must be cast to
#     unsigned char or be an int that came from one);
#   - clang-format --dry-run --Werror is clean over lib/, milter/, cli/,
#     tests/ and bench/.
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

# Layers (README, Layout): an include in lib/ names its folder, and that
# folder is the includer's own or one below it.  The upward includes that
# remain are listed, each with the file that makes it: a new one fails,
# and so does a listed one that has gone (take it off the list).
layers="base store message rules learn net policy core stages"
known_up=""
layer_rank() {
	local i=0 d
	for d in $layers; do
		[ "$d" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
	echo -1
}
up='' bare='' seen=''
while IFS=: read -r file inc; do
	file=${file#lib/}
	from=$(layer_rank "${file%%/*}")
	to=-1
	case $inc in */*) to=$(layer_rank "${inc%%/*}") ;; esac
	if [ "$from" -lt 0 ] || [ "$to" -lt 0 ]; then
		bare="$bare $file:$inc"
	elif [ "$to" -gt "$from" ]; then
		case " $known_up " in
		*" $file:$inc "*) seen="$seen $file:$inc" ;;
		*) up="$up $file:$inc" ;;
		esac
	fi
done < <(find lib -name '*.[ch]' -exec grep -HE '^#include "' {} + |
	sed -E 's/^([^:]+):#include "([^"]+)".*/\1:\2/')
[ -z "$bare" ] || say "includes in lib/ without a layer folder:$bare"
[ -z "$up" ] || say "includes in lib/ that point up a layer:$up"
for k in $known_up; do
	case " $seen " in
	*" $k "*) ;;
	*) say "known upward include $k is gone: take it off lint.sh's list" ;;
	esac
done

lib=$(find "$build" -name libvigil.a | head -1)
if [ -z "$lib" ]; then
	say "libvigil.a not found under $build"
else
	bad=$(nm -g --defined-only "$lib" 2>/dev/null |
		awk 'NF == 3 { print $3 }' | grep -v '^vg_' | sort -u)
	[ -z "$bad" ] || say "libvigil.a exports non-vg_ symbols: $(echo $bad)"
fi

files=$(git ls-files -- 'lib/*.[ch]' 'milter/*.[ch]' 'cli/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]' 2>/dev/null)
[ -n "$files" ] || files=$(find lib milter cli tests bench -name '*.[ch]' 2>/dev/null)

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
