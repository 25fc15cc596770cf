#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make-sigdb.sh OUTDIR - write a small ClamAV signature database for tests.
#
#   OUTDIR/vigil-test.ndb  one body signature for the 68-byte EICAR test
#                          string (Eicar-Test-Signature)
#   OUTDIR/vigil-test.hdb  an MD5 hash signature (md5:size:name) for every
#                          file in /usr/share/clamav-testfiles, named
#                          Clamav.Test.File-<basename>
#
# ClamAV appends ".UNOFFICIAL" to names from databases like these, so a
# detection reads "Eicar-Test-Signature.UNOFFICIAL".  The official
# signatures cannot be fetched offline; these detect the same test files.
# TESTFILES may point at another directory of test files.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
out=$1
testfiles=${TESTFILES:-/usr/share/clamav-testfiles}
mkdir -p "$out"

# The EICAR string, built from two halves so that this script is not
# itself detected by a scanner with the official signatures.
eicar1='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
eicar2='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
hex=$(printf '%s%s' "$eicar1" "$eicar2" | od -An -v -tx1 | tr -d ' \n')
if [ ${#hex} -ne 136 ]; then
	echo "$0: EICAR string is not 68 bytes" >&2
	exit 1
fi
printf 'Eicar-Test-Signature:0:*:%s\n' "$hex" >"$out/vigil-test.ndb.tmp"
mv "$out/vigil-test.ndb.tmp" "$out/vigil-test.ndb"
echo "$out/vigil-test.ndb: 1 signature (Eicar-Test-Signature)"

# One md5sum, one stat and one sed for all files, not five processes a
# file: tests run this once per test case, hundreds of times a run.
set --
if [ -d "$testfiles" ]; then
	for f in "$testfiles"/*; do
		if [ -f "$f" ]; then
			set -- "$@" "$f"
		fi
	done
fi
n=$#
if [ "$n" -gt 0 ]; then
	{
		md5sum -- "$@" | cut -d' ' -f1
		stat -L -c %s -- "$@"
		printf '%s\n' "$@" | sed 's,.*/,,'
	} | awk -v n="$n" '{ v[NR] = $0 }
	    END {
		if (NR != 3 * n)
			exit 1
		for (i = 1; i <= n; i++)
			printf "%s:%s:Clamav.Test.File-%s\n", v[i], v[n + i],
			    v[2 * n + i]
	    }' >"$out/vigil-test.hdb.tmp" || {
		echo "$0: cannot hash the files in $testfiles" >&2
		exit 1
	}
fi
if [ "$n" -eq 0 ]; then
	# ClamAV rejects an empty .hdb; leave none rather than a broken one.
	rm -f "$out/vigil-test.hdb.tmp" "$out/vigil-test.hdb"
	echo "$0: no files in $testfiles (apt-get install clamav-testfiles)" >&2
else
	mv "$out/vigil-test.hdb.tmp" "$out/vigil-test.hdb"
	echo "$out/vigil-test.hdb: $n signatures (Clamav.Test.File-*)"
fi
