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
# unix:/var/spool/postfix/vigil/vigil.sock (inside Debian's chrooted
# smtpd, as the package does), logging to the terminal.  It uses ClamAV's
# signatures in /var/lib/clamav when there are any; otherwise it builds
# a tiny TEST database (EICAR and ClamAV's test files only) and says so.
# Run as root.  Stop with Ctrl-C.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
qs=$root/build/quickstart
sock=/var/spool/postfix/vigil/vigil.sock
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
# The socket's directory, as the package makes it: vigil:postfix 0750.
install -d -o "$user" -g postfix -m 0750 "$(dirname "$sock")"
# The classifier's database (bayes_path's default): made here, empty and
# owned by $user, because vigil-milter opens it as root before it drops
# to $user, and vigil learn (as root or as $user) must write it too.
install -d -o "$user" -g "$group" -m 0750 /var/lib/vigil
# The rules' compiled prefilter (prefilter_cache): written at the first
# start (as root) and at reloads (as $user).
install -d -o "$user" -g "$group" -m 0750 /var/cache/vigil
for f in /var/lib/vigil/bayes.lmdb /var/lib/vigil/bayes.lmdb-lock; do
	[ -e "$f" ] || install -o "$user" -g "$group" -m 0640 /dev/null "$f"
done
# What root's tools made there earlier (vigil rules check, vigil learn
# --snapshot) goes to $user too: the daemon compiles the prefilter in the
# background after it drops to $user, and reads the classifier's snapshot
# as $user (as systemd's CacheDirectory= and StateDirectory= would own
# them).
chown -R "$user:$group" /var/cache/vigil /var/lib/vigil

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

    smtpd_milters = unix:vigil/vigil.sock
    non_smtpd_milters = \$smtpd_milters
    milter_default_action = tempfail
    milter_protocol = 6

(Debian's smtpd runs chrooted in /var/spool/postfix and sees the socket
as vigil/vigil.sock: directory vigil:postfix 0750, socket 0660.)
Sendmail (sendmail.mc; Sendmail connects as root):
    INPUT_MAIL_FILTER(\`vigil', \`S=unix:$sock, F=T, T=S:4m;R:4m;E:10m')

Test it (README, "Test it"):
  Mail sent from this machine is outbound (127.0.0.1 is trusted): it is
  scanned but gets no SPF check, and outbound spam gets 250 and waits in
  Postfix's hold queue (postqueue -p), so it seems to vanish.
  For inbound mail, allow XCLIENT in main.cf and pose as an outside client:
    smtpd_authorized_xclient_hosts = 127.0.0.1
    swaks --server 127.0.0.1 --xclient-addr 203.0.113.5 --to postmaster@localhost

Starting vigil-milter in the foreground (Ctrl-C stops it)...
MSG

"$root/build/milter/vigil-milter" -t -c "$qs/vigil.conf"
exec "$root/build/milter/vigil-milter" -f -c "$qs/vigil.conf"
