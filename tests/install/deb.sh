#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# deb.sh CPACK BUILD PREFIX SRC - the Debian package, end to end, on this
# machine: build it from the build tree (CPack), install it with apt-get,
# check what the package made (user, directories, conffiles), run
# vigil-milter -t on the installed files, start the installed daemon as
# the unit's ExecStart and User= say (no systemd here), wire the system
# Postfix to it with the README's main.cf lines (and its XCLIENT line),
# send a ham (250, X-Virus-Status: Clean in the queued copy) and an EICAR
# (550) from an outside address, then purge and check what is left.
#
# It changes the system, so it puts everything back even when it fails
# (trap): the package is purged, main.cf gets back its own values of the
# keys set here (under the e2e tests' lock for main.cf), a Postfix started
# here is stopped, and an existing /var/lib/vigil (quickstart.sh's) is
# moved aside and back.  It refuses to run over an installed vigil package
# or an /etc/vigil it did not make.  The e2e tests run private Postfix
# instances on other ports and queues; this one uses the system instance
# (port 25, /var/spool/postfix).
set -u
if [ $# -ne 4 ]; then
	echo "usage: $0 CPACK BUILD PREFIX SRC" >&2
	exit 2
fi
cpack=$1 build=$2 prefix=$3 src=$4
. "$src/tests/tools/skip.sh"

[ "$(id -u)" -eq 0 ] || vg_skip "installing a package needs root"
[ "$prefix" = /usr ] ||
    vg_skip "the package needs a build configured with -DCMAKE_INSTALL_PREFIX=/usr (this one: $prefix)"
for t in dpkg-deb apt-get postfix postconf postcat postsuper swaks setpriv flock; do
	command -v "$t" >/dev/null 2>&1 || vg_skip "$t is not installed"
done

fails=0
fail()
{
	echo "FAIL install_deb: $*"
	fails=$((fails + 1))
}
die()
{
	fail "$*"
	exit 1
}

if dpkg-query -W -f='${Status}' vigil 2>/dev/null | grep -q 'installed'; then
	die "a vigil package is installed already; not touching it"
fi
[ ! -e /etc/vigil ] || die "/etc/vigil exists and is not from a package: not touching it"

t=$(mktemp -d /tmp/vigil-deb.XXXXXX) || exit 1
chmod 755 "$t"
pid= started_postfix= saved_varlib= main_keys= lintian_pid=
lockdir=/var/lib/vigil-e2e
mkdir -p "$lockdir"

# The keys of main.cf set here, with their own values before (or unset).
keys="smtpd_milters non_smtpd_milters milter_default_action milter_protocol
smtpd_authorized_xclient_hosts smtpd_recipient_restrictions"

restore_main()
{
	(
		flock -w 60 8 || exit 1
		for k in $keys; do
			if [ -f "$t/main.$k" ]; then
				postconf -e "$k = $(cat "$t/main.$k")"
			else
				postconf -X "$k"
			fi
		done
	) 8>"$lockdir/.register.lock"
}

# purge - dpkg --purge vigil, waiting for another apt or dpkg to finish
purge()
{
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 \
	    purge -y -q vigil
}

cleanup()
{
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
	fi
	[ -z "$main_keys" ] || restore_main
	if [ -n "$started_postfix" ]; then
		postfix stop >/dev/null 2>&1
	elif [ -n "$main_keys" ]; then
		postfix reload >/dev/null 2>&1
	fi
	if dpkg-query -W -f='${Status}' vigil 2>/dev/null | grep -q 'installed\|config-files'; then
		purge >/dev/null 2>&1
	fi
	if [ -n "$saved_varlib" ]; then
		if dpkg-query -W -f='${Status}' vigil 2>/dev/null | grep -q 'installed\|config-files'; then
			# A later purge would delete it again: keep it apart.
			mv "$saved_varlib" /var/lib/vigil.saved-by-install-test
			echo "install_deb: the package is still installed; the old" \
			    "/var/lib/vigil is in /var/lib/vigil.saved-by-install-test"
		else
			rm -rf /var/lib/vigil
			mv "$saved_varlib" /var/lib/vigil
		fi
	fi
	rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# 1. The package, from the tree as built ("make package" without make).
if ! "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$t/out" \
    >"$t/cpack.log" 2>&1; then
	cat "$t/cpack.log"
	die "cpack failed"
fi
deb=$(ls "$t"/out/vigil_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "cpack made no vigil_*.deb: $(cat "$t/cpack.log")"

# lintian, meanwhile (it takes 20 s): only the tags known and explained
# (README, "Debian package") may remain.
allowed='initial-upload-closes-no-bugs'
if command -v lintian >/dev/null 2>&1; then
	lintian "$deb" >"$t/lintian.log" 2>&1 &
	lintian_pid=$!
fi

echo "install_deb: ${SECONDS}s: package built"

# 2. Install it; keep a classifier database of quickstart.sh's aside.
if [ -e /var/lib/vigil ]; then
	saved_varlib=$t/varlib.saved
	mv /var/lib/vigil "$saved_varlib" || die "cannot move /var/lib/vigil aside"
fi
if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 \
    install -y -q --no-install-recommends "$deb" >"$t/apt.log" 2>&1; then
	cat "$t/apt.log"
	die "apt-get install $deb failed"
fi

# What the package made.
getent passwd vigil >/dev/null || fail "no user vigil after install"
g=$(id -gn vigil 2>/dev/null)
[ "$g" = postfix ] || fail "user vigil: primary group '$g', want postfix"
st=$(stat -c '%U:%G %a' /var/spool/postfix/vigil 2>/dev/null)
[ "$st" = "vigil:postfix 750" ] ||
    fail "/var/spool/postfix/vigil: got '$st', want 'vigil:postfix 750'"
st=$(stat -c '%U %a' /var/lib/vigil 2>/dev/null)
[ "$st" = "vigil 750" ] || fail "/var/lib/vigil: got '$st', want 'vigil 750'"
conffiles=$(dpkg-query -W -f='${Conffiles}\n' vigil)
for f in /etc/vigil/vigil.conf /etc/vigil/vigil.rules \
    /etc/logcheck/ignore.d.server/vigil-milter; do
	echo "$conffiles" | grep -q "^ $f " || fail "$f is not a conffile"
done
for f in /usr/sbin/vigil-milter /usr/bin/vigil \
    /usr/share/man/man8/vigil-milter.8.gz /usr/share/man/man5/vigil.conf.5.gz \
    /usr/share/doc/vigil/copyright /usr/share/doc/vigil/changelog.Debian.gz \
    /lib/systemd/system/vigil-milter.service; do
	[ -f "$f" ] || fail "$f: not installed"
done

# The installed unit passes systemd-analyze verify (it needs the unit's
# program and man pages, which only the installed package has).
if command -v systemd-analyze >/dev/null 2>&1; then
	out=$(systemd-analyze verify /lib/systemd/system/vigil-milter.service 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ] ||
	    fail "systemd-analyze verify vigil-milter.service: exit $rc: $out"
fi

echo "install_deb: ${SECONDS}s: installed"

# 3. vigil-milter -t on the installed files.  There are no ClamAV
# signatures on a test machine: clamav_database goes to a test database;
# DNS to a closed port (fails at once, as in the milter tests).
conf=/etc/vigil/vigil.conf
mkdir -p "$t/db"
sh "$src/tests/tools/make-sigdb.sh" "$t/db" >/dev/null || die "make-sigdb.sh failed"
chmod -R a+rX "$t/db"
sed -i "s|^clamav_database = .*|clamav_database = $t/db|" "$conf"
echo "dns_servers = 127.0.0.1:1" >>"$conf"
# Vigil's own rules alone: SpamAssassin's (sa_update_dir = auto, the
# shipped default) would cost the daemon a cold Hyperscan compile here;
# cli_sa_default checks the shipped config loads them.
echo "sa_update_dir =" >>"$conf"
sock=$(sed -n 's/^socket = unix://p' "$conf")
[ "$sock" = /var/spool/postfix/vigil/vigil.sock ] ||
    fail "$conf: socket unix:$sock, want unix:/var/spool/postfix/vigil/vigil.sock"
out=$(/usr/sbin/vigil-milter -t -c "$conf" 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "vigil-milter -t (root): exit $rc: $out"

# 4. The daemon as systemd would start it: ExecStart as User= with
# UMask=, in the foreground (Type=notify; no NOTIFY_SOCKET here).
unit=/lib/systemd/system/vigil-milter.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
umask_=$(sed -n 's/^UMask=//p' "$unit")
[ -n "$exec_start" ] && [ -n "$user" ] || die "$unit: no ExecStart= or User="
out=$(setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
    /usr/sbin/vigil-milter -t -c "$conf" 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "vigil-milter -t as $user: exit $rc: $out"
(
	umask "${umask_:-0022}"
	cd /
	# shellcheck disable=SC2086 # ExecStart is split on blanks, as systemd does
	exec setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
	    $exec_start
) >"$t/milter.log" 2>&1 &
pid=$!
i=0
while ! [ -S "$sock" ] || ! grep -q "started:" "$t/milter.log"; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
		cat "$t/milter.log"
		die "the installed vigil-milter did not start"
	fi
	sleep 0.1
done
st=$(stat -c '%U:%G %a' "$sock")
[ "$st" = "vigil:postfix 660" ] || fail "$sock: got '$st', want 'vigil:postfix 660'"

echo "install_deb: ${SECONDS}s: daemon started"

# 5. The system Postfix, wired as the README says: its main.cf block under
# "In /etc/postfix/main.cf:" and its XCLIENT line; HOLD (test only) keeps
# the accepted message in the queue, where postcat shows its headers.
readme_main=$(awk '/^In \/etc\/postfix\/main.cf:/ { on = 1; next }
    on && /^    [a-z_]+ = / { sub(/^    /, ""); print; seen = 1; next }
    on && seen { exit }' "$src/README")
readme_xclient=$(grep -m 1 '^    smtpd_authorized_xclient_hosts = ' "$src/README" |
    sed 's/^    //')
echo "$readme_main" | grep -qx 'smtpd_milters = unix:vigil/vigil.sock' ||
    fail "README: main.cf block has no 'smtpd_milters = unix:vigil/vigil.sock': $readme_main"
[ -n "$readme_xclient" ] || fail "README: no smtpd_authorized_xclient_hosts line"
for k in $keys; do
	if postconf -n "$k" | grep -q .; then
		postconf -h "$k" >"$t/main.$k"
	fi
done
main_keys=yes
(
	flock -w 60 8 || exit 1
	echo "$readme_main" | while IFS= read -r l; do postconf -e "$l"; done
	postconf -e "$readme_xclient"
	postconf -e "smtpd_recipient_restrictions = check_recipient_access static:HOLD, permit_mynetworks, reject_unauth_destination"
) 8>"$lockdir/.register.lock" || die "cannot edit main.cf (lock)"
if postfix status >/dev/null 2>&1; then
	postfix reload >/dev/null 2>&1 || die "postfix reload failed"
else
	postfix start >"$t/postfix.log" 2>&1 || die "postfix start failed: $(cat "$t/postfix.log")"
	started_postfix=yes
fi
i=0
while ! (exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || die "Postfix does not listen on 127.0.0.1:25"
	sleep 0.1
done

# 6. Mail from outside (XCLIENT, as the README's "Test it" shows).
swaks_to()
{
	swaks --server 127.0.0.1:25 --xclient-addr 203.0.113.5 \
	    --xclient-name mail.example.net --helo mail.example.net \
	    --from sender@example.net --to postmaster@localhost \
	    --timeout 30 "$@" 2>&1
}
out=$(swaks_to --header "Subject: install test ham" \
    --body "Lunch at noon on Thursday, as agreed.")
id=$(echo "$out" | sed -n 's/.*250 .*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1)
if [ -z "$id" ]; then
	fail "ham: no '250 ... queued as': $(echo "$out" | grep '^<' | tail -n 3)"
else
	hdrs=$(postcat -hq "$id" 2>&1)
	echo "$hdrs" | grep -q '^X-Virus-Status: Clean' ||
	    fail "ham: no X-Virus-Status: Clean in the queued copy: $hdrs"
	postsuper -d "$id" >/dev/null 2>&1
fi
e1='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
e2='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
out=$(swaks_to --header "Subject: install test virus" --body "$e1$e2")
echo "$out" | grep -q '^<\** *550 5.7.1' ||
    fail "EICAR: want 550 5.7.1, got: $(echo "$out" | grep '^<' | tail -n 3)"

if [ $fails -ne 0 ]; then
	echo "--- vigil-milter log"
	cat "$t/milter.log"
fi

echo "install_deb: ${SECONDS}s: mail sent"

# 7. Stop, unwire, purge.
kill -TERM "$pid" 2>/dev/null
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do
	i=$((i + 1))
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "vigil-milter did not stop on SIGTERM"
pid=
restore_main
main_keys=
if ! purge >"$t/purge.log" 2>&1; then
	fail "purge vigil: $(cat "$t/purge.log")"
fi
for f in /etc/vigil /var/lib/vigil /var/spool/postfix/vigil /usr/sbin/vigil-milter \
    /usr/bin/vigil /lib/systemd/system/vigil-milter.service \
    /etc/logcheck/ignore.d.server/vigil-milter /usr/share/doc/vigil; do
	[ ! -e "$f" ] || fail "$f is left after dpkg --purge"
done
dpkg-query -W -f='${Status}' vigil 2>/dev/null | grep -q 'installed\|config-files' &&
    fail "dpkg still lists vigil after --purge"
# The system user stays, as Debian keeps system users (postrm says why).
getent passwd vigil >/dev/null || fail "user vigil removed on purge (Debian keeps it)"

echo "install_deb: ${SECONDS}s: purged"
if [ -n "$lintian_pid" ]; then
	wait "$lintian_pid"
	echo "install_deb: ${SECONDS}s: lintian done"
	tags=$(grep -E '^[EW]: ' "$t/lintian.log" | grep -vE ": ($allowed)( |$)")
	[ -z "$tags" ] || fail "lintian: $tags"
fi

[ $fails -eq 0 ] || exit 1
echo "install_deb: all checks passed"
