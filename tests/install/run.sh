#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# run.sh CMAKE BUILD VERSION SBINDIR BINDIR MANDIR CONFDIR DOCDIR UNITDIR
#
# Stages `cmake --install BUILD` under DESTDIR=a temporary directory and
# checks the layout: every file is where the directories (absolute, as
# configured; UNITDIR empty when no unit is installed) say, nothing went
# outside DESTDIR, the staged vigil-milter -V and `vigil rules check` run,
# the unit's ExecStart and the config's rules line name the installed
# paths, and a second install keeps an edited config.
set -u
if [ $# -ne 9 ]; then
	echo "usage: $0 CMAKE BUILD VERSION SBINDIR BINDIR MANDIR CONFDIR DOCDIR UNITDIR" >&2
	exit 2
fi
cmake=$1 build=$2 version=$3 sbindir=$4 bindir=$5 mandir=$6 confdir=$7
docdir=$8 unitdir=$9
dest=$(mktemp -d /tmp/vigil-install.XXXXXX) || exit 1
trap 'rm -rf "$dest"' EXIT
fails=0

fail()
{
	echo "FAIL install: $*"
	fails=$((fails + 1))
}

# install_to - the staged install; its log in $dest.log
install_to()
{
	if ! DESTDIR=$dest/root "$cmake" --install "$build" >"$dest/log" 2>&1; then
		cat "$dest/log"
		echo "FAIL install: cmake --install failed"
		exit 1
	fi
	# Every "Installing:" and "Kept:" line names a path under DESTDIR.
	out=$(sed -n 's/^-- \(Installing\|Up-to-date\|Kept\): //p' "$dest/log" |
	    grep -v "^$dest/root/")
	[ -z "$out" ] || fail "installed outside DESTDIR: $out"
}

install_to
r=$dest/root
files="$sbindir/vigil-milter $bindir/vigil
$mandir/man1/vigil.1.gz $mandir/man5/vigil.conf.5.gz $mandir/man5/vigil.rules.5.gz
$mandir/man8/vigil-milter.8.gz $docdir/copyright $docdir/changelog.Debian.gz
$confdir/vigil.conf $confdir/vigil.rules $confdir/spamassassin.rules
$docdir/examples/vigil.conf $docdir/examples/vigil.rules
$docdir/examples/spamassassin.rules"
[ -z "$unitdir" ] || files="$files $unitdir/vigil-milter.service"
for f in $files; do
	[ -f "$r$f" ] || fail "$f: not installed"
done
for f in "$sbindir/vigil-milter" "$bindir/vigil"; do
	[ -x "$r$f" ] || fail "$f: not executable"
done

# The staged programs run (no file of the build tree is needed).
out=$("$r$sbindir/vigil-milter" -V 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "vigil-milter -V: got exit $rc, want 0: $out"
case $out in
"vigil-milter $version"*) ;;
*) fail "vigil-milter -V: got '$(echo "$out" | head -n 1)', want 'vigil-milter $version'" ;;
esac
out=$("$r$bindir/vigil" rules check "$r$confdir/vigil.rules" 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "vigil rules check of the installed rules: got exit $rc, want 0: $out"

# The unit and the config name the installed paths.
if [ -n "$unitdir" ]; then
	want="ExecStart=$sbindir/vigil-milter -f -c $confdir/vigil.conf"
	got=$(grep "^ExecStart=" "$r$unitdir/vigil-milter.service" 2>/dev/null)
	[ "$got" = "$want" ] || fail "unit: got '$got', want '$want'"
	! grep -q '@[A-Z_]*@' "$r$unitdir/vigil-milter.service" 2>/dev/null ||
	    fail "unit: an @VARIABLE@ was left unreplaced"
fi
if [ "$confdir" = /etc/vigil ]; then
	want="#rules = /etc/vigil/vigil.rules"
else
	want="rules = $confdir/vigil.rules"
fi
grep -qxF "$want" "$r$confdir/vigil.conf" ||
    fail "vigil.conf: no line '$want'"

# Reinstalling keeps what an administrator changed in the config.
echo "# edited by the install test" >>"$r$confdir/vigil.conf"
install_to
tail -n 1 "$r$confdir/vigil.conf" | grep -qxF "# edited by the install test" ||
    fail "a second install overwrote the edited $confdir/vigil.conf"

if [ $fails -ne 0 ]; then
	echo "--- cmake --install"
	cat "$dest/log"
	exit 1
fi
echo "install: all checks passed"
