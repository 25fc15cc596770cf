#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# run.sh - spam recall, ham false positives and per-rule hits over the
# SpamAssassin corpus, for the default rules (or RULES=file).
#   tests/accuracy/run.sh [BUILD_DIR] [MAX_PER_DIR]
# HALF=even or HALF=odd scores only the files whose number is even
# (the half to tune on) or odd (held out).
# BUILD_DIR defaults to ./build; the corpus is read in place from
# ../shared/corpus/spamassassin (relative to the project root).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
max=${2:-}
rules=${RULES:-$root/rules/vigil.rules}
corpus=$root/../shared/corpus/spamassassin
make -C "$build" vg_accuracy >/dev/null
VG_ACCURACY_HALF=${HALF:-}
export VG_ACCURACY_HALF
exec "$build/tests/accuracy/vg_accuracy" "$rules" "$corpus/ham" \
    "$corpus/spam" $max
