#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# run.sh - spam recall, ham false positives and per-rule hits over the
# SpamAssassin corpus, for the default rules (or RULES=file).
#   tests/accuracy/run.sh [BUILD_DIR] [MAX_PER_DIR]
# HALF=even or HALF=odd scores only the files whose number is even
# (the half to tune on) or odd (held out).  SA=yes runs the rules under
# Debian's SpamAssassin rules (rules/spamassassin.rules), as vigil.conf's
# default sa_update_dir = auto does where they are installed.
# BUILD_DIR defaults to ./build; the corpus is read in place from
# ../shared/corpus/spamassassin (relative to the project root).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
max=${2:-}
rules=${RULES:-$root/rules/vigil.rules}
corpus=$root/../shared/corpus/spamassassin
make -C "$build" vg_accuracy >/dev/null
if [ "${SA:-no}" = yes ]; then
	printf 'include %s\nvigil_compat none\ninclude %s\n' \
	    "$root/rules/spamassassin.rules" "$rules" \
	    >"$build/tests/accuracy/sa-plus.rules"
	rules=$build/tests/accuracy/sa-plus.rules
fi
VG_ACCURACY_HALF=${HALF:-}
export VG_ACCURACY_HALF
exec "$build/tests/accuracy/vg_accuracy" "$rules" "$corpus/ham" \
    "$corpus/spam" $max
