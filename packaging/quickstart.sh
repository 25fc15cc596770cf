#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# quickstart.sh - build Vigil and run vigil-milter in the foreground
# (the README's first command).
#
# Installs the Debian packages (deps.sh), builds in build/ with Debian's
# hardening flags (VIGIL_HARDEN) and without -Werror (a new compiler's
# warning must not stop a user; tests/run-all.sh turns it on), writes
# build/quickstart/vigil.conf and runs build/milter/vigil-milter -f on
# unix:/run/vigil/vigil.sock, logging to the terminal.  It uses ClamAV's
# signatures in /var/lib/clamav when there are any; otherwise it builds
# a tiny TEST database (EICAR and ClamAV's test files only) and says so.
# Run as root.  Stop with Ctrl-C.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
qs=$root/build/quickstart
sock=/run/vigil/vigil.sock
user=vigil

"$root/packaging/deps.sh"

cmake -S "$root" -B "$root/build" -DVIGIL_HARDEN=ON -DVIGIL_WERROR=OFF \
    >/dev/null
make -C "$root/build" -j"$(nproc)" --no-print-directory -s vigil-milter
mkdir -p "$qs"

# The daemon drops root for user vigil after opening its socket, which it
# makes mode 0660, owned by that user and its primary group.  Postfix's
# smtpd runs as postfix with no supplementary groups, so vigil's primary
# group is postfix: smtpd can connect and nobody else can.
if ! getent passwd "$user" >/dev/null; then
	useradd --system --gid postfix --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
fi
group=$(id -gn "$user")
if [ "$group" != postfix ]; then
	echo "quickstart.sh: warning: user $user's group is $group, not" \
	    "postfix: Postfix may not be able to open $sock" >&2
fi
install -d -o "$user" -g "$group" -m 0750 /run/vigil
# The classifier's database (bayes_path's default): made here, empty and
# owned by $user, because vigil-milter opens it as root before it drops
# to $user, and vigil learn (as root or as $user) must write it too.
install -d -o "$user" -g "$group" -m 0750 /var/lib/vigil
for f in /var/lib/vigil/bayes.lmdb /var/lib/vigil/bayes.lmdb-lock; do
	[ -e "$f" ] || install -o "$user" -g "$group" -m 0640 /dev/null "$f"
done

db=/var/lib/clamav
if ! compgen -G "$db/*.cvd" >/dev/null && ! compgen -G "$db/*.cld" >/dev/null &&
    ! compgen -G "$db/*.cud" >/dev/null; then
	db=$qs/sigdb
	sh "$root/tests/tools/make-sigdb.sh" "$db" >/dev/null
	chmod -R a+rX "$db"
	cat >&2 <<WARN

######################################################################
##  WARNING: NO CLAMAV SIGNATURES FOUND IN /var/lib/clamav          ##
##                                                                  ##
##  Using a TINY TEST DATABASE in $db
##  It detects ONLY the EICAR test string and ClamAV's test files.  ##
##  It will NOT stop real viruses.                                  ##
##                                                                  ##
##  For real protection run:   freshclam                           ##
##  and set in your vigil.conf: clamav_database = /var/lib/clamav   ##
######################################################################

WARN
fi

rules=$root/rules/vigil.rules
[ -f "$rules" ] || { echo "quickstart.sh: $rules is missing" >&2; exit 1; }

cat >"$qs/vigil.conf" <<CONF
# Written by packaging/quickstart.sh.  See vigil.conf(5) for every key.
socket = unix:$sock
user = $user
clamav_database = $db
rules = $rules
CONF
chmod 644 "$qs/vigil.conf"

# The engine is built as root at start, but a reload (SIGHUP, new
# signatures) runs as $user and must still read these.
for f in "$qs/vigil.conf" "$rules" "$db"; do
	if ! runuser -u "$user" -- test -r "$f"; then
		echo "quickstart.sh: warning: user $user cannot read $f:" \
		    "reloads will fail (move the tree out of a private" \
		    "directory such as /root)" >&2
	fi
done

cat <<MSG
Vigil: config $qs/vigil.conf
Add to /etc/postfix/main.cf, then run "postfix reload":

    smtpd_milters = unix:$sock
    non_smtpd_milters = \$smtpd_milters
    milter_default_action = tempfail
    milter_protocol = 6

Debian runs smtpd chrooted in /var/spool/postfix (master.cf column 5):
set that column to "n" for smtp, or use socket = inet:11332@127.0.0.1 and
smtpd_milters = inet:127.0.0.1:11332.
Sendmail (sendmail.mc):
    INPUT_MAIL_FILTER(\`vigil', \`S=unix:$sock, F=T, T=S:4m;R:4m;E:10m')

Starting vigil-milter in the foreground (Ctrl-C stops it)...
MSG

"$root/build/milter/vigil-milter" -t -c "$qs/vigil.conf"
exec "$root/build/milter/vigil-milter" -f -c "$qs/vigil.conf"
