#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# sa-diff.sh VIGIL SRCDIR - the ctest entry of sa-diff.py: the fixed
# sample, skipped (77) where SpamAssassin or the corpus is missing.
set -eu
vigil=$1
src=$2
if ! /usr/bin/perl -MMail::SpamAssassin -e 1 2>/dev/null ||
    [ ! -f /usr/share/spamassassin/50_scores.cf ]; then
	echo "sa-diff: SpamAssassin is not installed (packaging/deps.sh)"
	exit 77
fi
if [ ! -d "$src/../shared/corpus/spamassassin/ham" ]; then
	echo "sa-diff: no corpus at $src/../shared/corpus"
	exit 77
fi
exec /usr/bin/python3 "$src/tests/accuracy/sa-diff.py" --vigil "$vigil" \
    --sample "${SA_DIFF_SAMPLE:-60}"
