#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# run.sh SUITE.yml SPF_SUITE_BINARY KNOWN_FAILURES
# Converts the suite with python3-yaml and runs it through lib/spf.c.
set -eu
suite=$1 runner=$2 known=$3
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
/usr/bin/python3 "$(dirname "$0")/yaml2lines.py" "$suite" >"$tmp"
"$runner" "$tmp" "$known"
