#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_policy.sh BUILD_DIR - the inbound/outbound policy through a real
# Postfix (issue 5).
#
# In the order they run:
# (d) invoice.pdf.exe (corpus) and a Windows program named notes.txt
#     (built here) are refused with 550 5.7.1 ... attachment type not
#     allowed: NAME.
# (e) With block_from @blocked.example in the rules, that sender's
#     recipient rcpt@ is refused at RCPT TO while postmaster@ gets the
#     message.
# (c) A client whose unknown recipients Postfix refuses
#     (check_recipient_access; the milter sees them with
#     {rcpt_mailer}=error) is tempfailed with 451 4.7.1 once
#     harvest_threshold (3) is reached: its next recipient and its next
#     message; another client is not.
# (b) With ratelimit_external_messages = 2 the third message of a minute
#     gets 451 4.7.1, and so does a fourth 3 s later (refusals are not
#     counted; the window sliding is unit_ratelimit's, on a test clock).
# (a) A SASL-authenticated sender's spam is held: it lands in Postfix's
#     hold queue (postqueue -j), is not delivered, and the milter logs a
#     probable compromise naming the login; so is an internal client's
#     (trusted_networks), the log naming its address.  Postfix authenticates with
#     Cyrus SASL against a sasldb written here (saslpasswd2).
# (f) After each case the queue holds nothing (after (a): only its held
#     message), and no bounce was sent (nothing from MAILER-DAEMON reached
#     the sink, no non-delivery notification in the maillog).
# Clients other than 127.0.0.1 are given to Postfix with XCLIENT; the
# trusted network is 203.0.113.0/24, so every client here is outside it
# (inbound) unless it authenticates.
. "$(dirname "$0")/lib.sh"

e2e_init policy "${1-}"
e2e_dns_start
command -v saslpasswd2 >/dev/null ||
    e2e_skip "saslpasswd2 not found: run packaging/deps.sh (sasl2-bin)"
[ -n "$(find /usr/lib -path '*/sasl2/libsasldb.so*' 2>/dev/null)" ] ||
    e2e_skip "no sasldb plugin: run packaging/deps.sh (libsasl2-modules)"
cli=$E2E_BUILD/cli/vigil
[ -x "$cli" ] || e2e_die "$cli not built (build the vigil_cli target)"

rules=$(e2e_rules_file policy.rules 'block_from @blocked.example')
base=(
	"trusted_networks = 203.0.113.0/24"
	"dns_servers = 127.0.0.1:$E2E_DNS_PORT"
	"rules = $rules"
	"harvest_threshold = 3"
)
e2e_start_all "${base[@]}"

# --- Postfix: SASL, XCLIENT, unknown recipients refused ------------------
# Debian's Postfix reads $config_directory/sasl/smtpd.conf (whatever
# cyrus_sasl_config_path says; seen with strace on Postfix 3.7): put it
# there, and name the same directory in main.cf.
sasl=$E2E_DIR/etc/sasl
mkdir -p "$sasl" || e2e_die "cannot create $sasl"
cat >"$sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $sasl/sasldb2
EOF
user=alice
pass=e2e-secret
printf '%s' "$pass" | saslpasswd2 -f "$sasl/sasldb2" -c -p -u vigil-e2e.test \
    "$user" 2>"$E2E_DIR/log/saslpasswd2.log" ||
    e2e_die "saslpasswd2 failed: $(cat "$E2E_DIR/log/saslpasswd2.log")"
# smtpd runs as postfix, unchrooted (lib.sh's master.cf).
if ! chown -R root:postfix "$sasl" || ! chmod 750 "$sasl" ||
    ! chmod 640 "$sasl/sasldb2" "$sasl/smtpd.conf"; then
	e2e_die "cannot set permissions on $sasl"
fi
printf '%s\n' '/^unknown[^@]*@/ 550 5.1.1 User unknown' \
    >"$E2E_DIR/etc/rcpt_access"
e2e_postfix_set "smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = cyrus" \
    "cyrus_sasl_config_path = $sasl" "smtpd_sasl_path = smtpd" \
    "smtpd_sasl_local_domain = vigil-e2e.test" \
    "smtpd_sasl_security_options = noanonymous" \
    "smtpd_authorized_xclient_hosts = 127.0.0.1" \
    "mynetworks = 127.0.0.0/8, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24" \
    "smtpd_recipient_restrictions = check_recipient_access regexp:$E2E_DIR/etc/rcpt_access"

# last_swaks - the transcript of the last e2e_send
last_swaks()
{
	# shellcheck disable=SC2012 # our own file names, no blanks
	ls -t "$E2E_DIR"/log/swaks.* | head -n 1
}

# rcpt_reply - the server's reply to RCPT TO:<$2> in transcript $1
rcpt_reply()
{
	awk -v r="RCPT TO:<$2>" '
	    index($0, r) { f = 1; next }
	    f && /^ *(<-|<\*\*) / { sub(/^ *(<-|<\*\*) +/, ""); print; exit }' "$1"
}

ham=$(e2e_corpus_file "$E2E_CORPUS/spamassassin/ham" easy_ham.00001)
[ -n "$ham" ] || e2e_die "easy_ham.00001 not found in $E2E_CORPUS"

# --- (d) dangerous attachments ------------------------------------------
mal=$E2E_CORPUS/malware/dangerous-extension.eml
[ -f "$mal" ] || e2e_die "$mal not found"
e2e_prepare "$mal"
before=$(e2e_sink_count)
e2e_send "$E2E_MSG"
e2e_expect_refused "(d) invoice.pdf.exe" \
    '^550 5\.7\.1 .*attachment type not allowed: invoice\.pdf\.exe' "$before"

# A Windows program (MZ, e_lfanew -> "PE\0\0", an i386 COFF header)
# attached as notes.txt, declared text/plain.
src=$E2E_DIR/msg/notes-txt.eml
{
	printf '%s\n' "From: Tester <tester@example.net>" "To: rcpt@example.org" \
	    "Subject: meeting notes" "Date: Mon, 23 Nov 2026 10:00:00 +0000" \
	    "Message-ID: <notes-txt@example.net>" "MIME-Version: 1.0" \
	    'Content-Type: multipart/mixed; boundary="b1"' "" "--b1" \
	    "Content-Type: text/plain" "" "The notes are attached." "" "--b1" \
	    'Content-Type: text/plain; name="notes.txt"' \
	    "Content-Transfer-Encoding: base64" \
	    'Content-Disposition: attachment; filename="notes.txt"' ""
	perl -e 'print "MZ", "\0" x 58, pack("V", 0x40), "PE\0\0",
	    pack("vvVVVvv", 0x14c, 1, 0, 0, 0, 0xe0, 0x0102),
	    pack("v", 0x10b), "\0" x 222' | base64 -w 76
	printf '%s\n' "--b1--"
} >"$src" || e2e_die "cannot write $src"
e2e_prepare "$src"
e2e_send "$E2E_MSG"
e2e_expect_refused "(d) Windows program named notes.txt" \
    '^550 5\.7\.1 .*attachment type not allowed: notes\.txt' "$before"
e2e_expect_queue "(d) after the attachments" ""

# --- (e) a blocked sender reaches postmaster@ only -----------------------
e2e_prepare "$ham"
e2e_send "$E2E_MSG" --from someone@blocked.example \
    --to postmaster@example.org,rcpt@example.org
t=$(last_swaks)
r=$(rcpt_reply "$t" rcpt@example.org)
e2e_check "(e) blocked sender: rcpt@ refused at RCPT TO (got '$r', want 550 5.7.1)" \
    e2e_matches "$r" '^550 5\.7\.1 '
r=$(rcpt_reply "$t" postmaster@example.org)
e2e_check "(e) blocked sender: postmaster@ accepted at RCPT TO (got '$r', want 250)" \
    e2e_matches "$r" '^250 '
if e2e_expect_delivered "(e) blocked sender to postmaster@"; then
	to=$(grep " $E2E_QID: to=<" "$E2E_DIR/log/maillog" |
	    sed -n 's/.* to=<\([^>]*\)>.*/\1/p' | sort -u | tr '\n' ' ')
	e2e_check "(e) delivered to postmaster@ only (got '$to', want 'postmaster@example.org ')" \
	    [ "$to" = "postmaster@example.org " ]
	e2e_expect_no_header "(e) postmaster copy" X-Spam-Flag
fi
before=$(e2e_sink_count)
e2e_send "$E2E_MSG" --from someone@blocked.example --to rcpt@example.org
e2e_expect_refused "(e) blocked sender to rcpt@ only" '^550 5\.7\.1 ' "$before"
e2e_expect_queue "(e) after the blocked sender" ""

# --- (c) directory harvest -----------------------------------------------
# One session, client 198.51.100.66: three unknown recipients refused by
# Postfix, then a good one: the milter has counted three and tempfails
# it.  The next session's message is tempfailed too.
harv=198.51.100.66
e2e_prepare "$ham"
e2e_send "$E2E_MSG" --xclient-addr "$harv" \
    --to unknown1@example.org,unknown2@example.org,unknown3@example.org,rcpt@example.org
t=$(last_swaks)
for u in unknown1 unknown2 unknown3; do
	r=$(rcpt_reply "$t" "$u@example.org")
	e2e_check "(c) Postfix refuses $u@ (got '$r', want 550 5.1.1)" \
	    e2e_matches "$r" '^550 5\.1\.1 '
done
r=$(rcpt_reply "$t" rcpt@example.org)
e2e_check "(c) after 3 unknown recipients the next is tempfailed (got '$r', want 451 4.7.1)" \
    e2e_matches "$r" '^451 4\.7\.1 '
before=$(e2e_sink_count)
e2e_send "$E2E_MSG" --xclient-addr "$harv"
e2e_expect_refused "(c) the harvesting client's next message" \
    '^451 4\.7\.1 ' "$before"
line=$(grep -E "harvest: client=$harv: [0-9]+ unknown recipients" \
    "$E2E_DIR/log/milter.log" | tail -n 1)
e2e_check "(c) milter log says why (got '$line', want harvest: client=$harv: 3 unknown recipients)" \
    e2e_matches "$line" ': 3 unknown recipients'
# Another client is not affected.
e2e_send "$E2E_MSG" --xclient-addr 198.51.100.67
e2e_expect_delivered "(c) another client still gets through"
e2e_expect_queue "(c) after the harvest" ""

# --- (b) rate limit: 2 messages a minute per outside client --------------
e2e_milter_restart "${base[@]}" "ratelimit_external_messages = 2"
rl=198.51.100.80
for i in 1 2; do
	e2e_send "$E2E_MSG" --xclient-addr "$rl"
	e2e_expect_delivered "(b) message $i of 2 in a minute"
done
before=$(e2e_sink_count)
e2e_send "$E2E_MSG" --xclient-addr "$rl"
e2e_expect_refused "(b) message 3 in a minute" '^451 4\.7\.1 ' "$before"
sleep 3
e2e_send "$E2E_MSG" --xclient-addr "$rl"
e2e_expect_refused "(b) message 3, 3 s later" '^451 4\.7\.1 ' "$before"
line=$(grep -iE 'rate|limit' "$E2E_DIR/log/milter.log" | grep "$rl" |
    tail -n 1)
e2e_check "(b) milter log names the client and the count (got '$line')" \
    e2e_matches "$line" "client=$rl: [0-9]+ messages"
# The sliding window itself (a client let in again as its burst slides
# out, two windows later nothing left) is unit_ratelimit's
# test_ratelimit_window, on an injected clock: waiting out a real minute
# here cost this suite 60-125 s and proved nothing more.
e2e_expect_queue "(b) after the rate limit" ""

# --- (a) an authenticated sender's spam is quarantined -------------------
# Last, because its message stays in the hold queue: until here every
# case leaves the queue empty.  The base config again (no message rate
# limit for outside clients; SASL logins have their own).
e2e_milter_restart "${base[@]}"
# The first candidate that the default rules call spam when it is
# outbound (vigil scan from a trusted address: quarantine).
spam=
for s in spam.00018 spam.00026 spam.00131 spam.00182 spam.00055 spam.00130 \
    spam.00121 spam.00211; do
	f=$(e2e_corpus_file "$E2E_CORPUS/spamassassin/spam" "$s")
	[ -n "$f" ] || continue
	if "$cli" scan -c "$E2E_CONF" --json --client-ip 203.0.113.9 "$f" \
	    2>>"$E2E_DIR/log/scan.log" | grep -q '"decision": "quarantine"'
	then
		spam=$f
		break
	fi
done
[ -n "$spam" ] || e2e_die "no candidate spam is quarantined as outbound by vigil scan"
e2e_prepare "$spam"
e2e_send "$E2E_MSG" --from "$user@vigil-e2e.test" --auth PLAIN \
    --auth-user "$user" --auth-password "$pass"
held=
if grep -q '^ *<- *235 ' "$(last_swaks)"; then
	e2e_ok "(a) SASL: authenticated as $user"
else
	e2e_not_ok "(a) SASL" "got no 235 to AUTH PLAIN ($(grep -m1 'AUTH' -A1 "$(last_swaks)" | tail -n 1)), want 235"
fi
if [ -n "$E2E_QID" ]; then
	held=$E2E_QID
	e2e_ok "(a) authenticated spam: accepted ($E2E_REPLY)"
	q=$(e2e_queue_list | awk -v id="$held" '$2 == id { print $1 }')
	e2e_check "(a) authenticated spam in the hold queue (got '${q:-not queued}', want hold)" \
	    [ "$q" = hold ]
	sleep 2
	d=$(e2e_find_delivered "$held")
	if [ -z "$d" ] && ! e2e_sent_in_log "$held"; then
		e2e_ok "(a) authenticated spam not delivered"
	else
		e2e_not_ok "(a) authenticated spam delivered" \
		    "got '${d:-a maillog status=sent}', want nothing"
	fi
	# The log line must say why the message was held, naming the login
	# (vigil.conf(5), Outbound mail).
	line=$(grep -i 'probable compromise' "$E2E_DIR/log/milter.log" |
	    tail -n 1)
	[ -n "$line" ] ||
	    line="(none; the line for $held: $(grep -m1 " $held: " "$E2E_DIR/log/milter.log"))"
	e2e_check "(a) milter log says probable compromise naming sasl_username=$user@vigil-e2e.test (got '$line')" \
	    e2e_matches "$line" "[Pp]robable compromise.*sasl_username=$user@vigil-e2e\\.test"
else
	e2e_not_ok "(a) authenticated spam" "got '$E2E_REPLY', want 250 (held)"
fi
e2e_expect_queue "(a) after the held spam" "${held:+hold $held}"

# The same spam from an internal client (trusted_networks) that did not
# authenticate: held too, the log naming the address.
internal=203.0.113.5
e2e_send "$E2E_MSG" --xclient-addr "$internal"
held2=
if [ -n "$E2E_QID" ]; then
	held2=$E2E_QID
	q=$(e2e_queue_list | awk -v id="$held2" '$2 == id { print $1 }')
	e2e_check "(a) internal client's spam in the hold queue (got '${q:-not queued}', want hold)" \
	    [ "$q" = hold ]
	line=$(grep -i 'probable compromise' "$E2E_DIR/log/milter.log" |
	    grep -F "client=$internal" | tail -n 1)
	[ -n "$line" ] ||
	    line="(none; the line for $held2: $(grep -m1 " $held2: " "$E2E_DIR/log/milter.log"))"
	e2e_check "(a) milter log says probable compromise naming client=$internal (got '$line')" \
	    e2e_matches "$line" "[Pp]robable compromise.*client=$internal"
else
	e2e_not_ok "(a) internal client's spam" "got '$E2E_REPLY', want 250 (held)"
fi
e2e_expect_queue "(a) after the internal client's spam" \
    "$(printf '%s\n' ${held:+"hold $held"} ${held2:+"hold $held2"})"

e2e_finish
