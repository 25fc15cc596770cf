# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# lib.sh - end-to-end harness: a private Postfix on loopback, smtp-sink as
# the next hop, vigil-milter in between, swaks as the SMTP client.
#
# PURPOSE  Sourced by tests/e2e/test_*.sh.  Each test gets its own instance
#	   directory E2E_DIR (/var/lib/vigil-e2e/<test>: Postfix's
#	   maillog_file must live under /var), holding the Postfix
#	   config_directory (etc/), queue_directory (spool/), data_directory
#	   (data/), the sink's mailbox (sink/), the milter's config,
#	   signature DB and socket (milter/), and every log (log/).
#	   Mail flows: swaks -> smtpd 127.0.0.1:E2E_SMTP_PORT -> milter ->
#	   queue -> smtp client -> smtp-sink 127.0.0.1:E2E_SINK_PORT -> a file
#	   per message in sink/.
# OWNS     e2e_init installs an EXIT trap that stops everything the test
#	   started (milter, Postfix, sink), runs the test's own
#	   e2e_test_cleanup if it defines one, and removes E2E_DIR, keeping it
#	   (and printing the logs) when a check failed or E2E_KEEP=1.
# LIMITS   Every wait has a timeout (E2E_TIMEOUT seconds, default 30); a
#	   timeout is a failed check, never a hang.
# ERRORS   A prerequisite this machine lacks (not root; Postfix, smtp-sink,
#	   swaks, dnsmasq or SASL not installed; no ../shared/corpus) skips
#	   the test: e2e_skip, exit 77, Skipped in ctest, and a FAILURE
#	   under VIGIL_REQUIRE_ALL=1 (tests/run-all.sh), so the test command
#	   never skips.  Anything else (no vigil-milter, Postfix does not
#	   start) is a FAILURE: e2e_die.
# THREADS  Tests may run concurrently (ctest -j): instances differ in
#	   directory and ports; one instance name is locked by one test.

set -uo pipefail

E2E_ROOT=${E2E_ROOT:-/var/lib/vigil-e2e}
E2E_TIMEOUT=${E2E_TIMEOUT:-30}
E2E_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_CORPUS="$E2E_SRC/../shared/corpus"
E2E_FAILS=0
E2E_CHECKS=0
E2E_PIDS=()
E2E_PF_UP=0
E2E_MILTER_PID=
E2E_SINK_PID=
E2E_SEQ=0
. "$E2E_SRC/tests/tools/skip.sh"

# e2e_log - progress line on stderr (not a check)
e2e_log()
{
	echo "# $*" >&2
}

# e2e_die - a prerequisite failed: report it as a failed check and exit
e2e_die()
{
	echo "FAIL: $*"
	E2E_FAILS=$((E2E_FAILS + 1))
	exit 1
}

# e2e_skip - this machine lacks a prerequisite: skip (tests/tools/skip.sh)
e2e_skip()
{
	vg_skip "$@"
}

# e2e_ok - record a passed check
e2e_ok()
{
	E2E_CHECKS=$((E2E_CHECKS + 1))
	echo "ok: $*"
}

# e2e_not_ok - record a failed check; $1 what, $2.. "got X, want Y"
e2e_not_ok()
{
	E2E_CHECKS=$((E2E_CHECKS + 1))
	E2E_FAILS=$((E2E_FAILS + 1))
	echo "FAIL: $*"
}

# e2e_check - run a command; pass/fail the named check on its status
e2e_check()
{
	local what=$1
	shift
	if "$@"; then
		e2e_ok "$what"
	else
		e2e_not_ok "$what"
	fi
}

# e2e_finish - print the summary and exit with the test's status
e2e_finish()
{
	if [ "$E2E_FAILS" -ne 0 ]; then
		echo "$E2E_FAILS of $E2E_CHECKS checks FAILED"
		exit 1
	fi
	if [ "$E2E_CHECKS" -eq 0 ]; then
		echo "FAIL: no checks ran"
		exit 1
	fi
	echo "all $E2E_CHECKS checks passed"
	exit 0
}

# e2e_free_port - print a TCP port on 127.0.0.1 that nothing listens on
e2e_free_port()
{
	perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		LocalPort => 0, Listen => 1, ReuseAddr => 1) or die "$!\n";
	    print $s->sockport, "\n";'
}

# e2e_wait_for - poll a command every 0.1s until it succeeds or $1 seconds
e2e_wait_for()
{
	local t=$1 i=0
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ "$i" -ge $((t * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# e2e_port_open - true when something accepts connections on 127.0.0.1:$1
e2e_port_open()
{
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# e2e_cleanup - EXIT trap: stop what we started, keep the logs on failure
e2e_cleanup()
{
	local rc=$?
	trap - EXIT INT TERM
	declare -F e2e_milter_stop >/dev/null && e2e_milter_stop
	e2e_postfix_stop
	# A test's own undo (an unmount, say), once nothing uses it.
	declare -F e2e_test_cleanup >/dev/null && e2e_test_cleanup
	if [ -n "$E2E_SINK_PID" ]; then
		kill "$E2E_SINK_PID" 2>/dev/null
		wait "$E2E_SINK_PID" 2>/dev/null
		E2E_SINK_PID=
	fi
	local p
	for p in "${E2E_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	# A skip (77, e2e_skip) after e2e_init is no failure: no logs to keep.
	if { [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; } || [ "$E2E_FAILS" -ne 0 ] ||
	    [ -n "${E2E_KEEP:-}" ]; then
		if [ -d "${E2E_DIR:-}" ]; then
			e2e_dump_logs
			echo "# kept $E2E_DIR" >&2
		fi
	elif [ -d "${E2E_DIR:-}" ]; then
		rm -rf "$E2E_DIR"
	fi
	exit "$rc"
}

# e2e_dump_logs - show the tail of every log of this instance on stderr:
# all but the swaks transcripts, then the last two of those
e2e_dump_logs()
{
	local f
	for f in "$E2E_DIR"/log/*; do
		case $f in
		*/swaks.*) ;;
		*) e2e_show_log "$f" ;;
		esac
	done
	# shellcheck disable=SC2012 # our own file names, no blanks
	for f in $(ls -td "$E2E_DIR"/log/swaks.* 2>/dev/null | head -n 2); do
		e2e_show_log "$f"
	done
}

# e2e_show_log - print the last 40 lines of log $1 on stderr
e2e_show_log()
{
	[ -s "$1" ] || return 0
	echo "# ---- $1 (last 40 lines)" >&2
	tail -n 40 "$1" | sed 's/^/# /' >&2
}

# e2e_init - start a test: $1 instance name, $2 build dir (or $VIGIL_BUILD_DIR)
e2e_init()
{
	E2E_NAME=$1
	E2E_BUILD=${2:-${VIGIL_BUILD_DIR:-}}
	[ -n "$E2E_BUILD" ] ||
	    e2e_die "no build dir: pass it as argument or set VIGIL_BUILD_DIR"
	E2E_BUILD=$(cd "$E2E_BUILD" && pwd) ||
	    e2e_die "build dir $E2E_BUILD does not exist"
	[ "$(id -u)" -eq 0 ] ||
	    e2e_skip "must run as root (a private Postfix needs root)"
	local t
	for t in postfix postconf smtp-sink swaks perl flock; do
		command -v "$t" >/dev/null ||
		    e2e_skip "$t not found: run packaging/deps.sh"
	done
	[ -d "$E2E_CORPUS" ] ||
	    e2e_skip "corpus not found at $E2E_CORPUS (../shared beside the repo)"

	E2E_DIR=$E2E_ROOT/$E2E_NAME
	mkdir -p "$E2E_ROOT" || e2e_die "cannot create $E2E_ROOT"
	chmod 755 "$E2E_ROOT"
	# One test per instance name at a time (ctest -j across two builds).
	exec 9>"$E2E_ROOT/$E2E_NAME.lock"
	flock -w 300 9 || e2e_die "instance $E2E_NAME is busy (lock)"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
	# A previous run that was killed may have left its Postfix running.
	if [ -f "$E2E_DIR/etc/main.cf" ]; then
		postfix -c "$E2E_DIR/etc" stop >/dev/null 2>&1
		if [ -f "$E2E_DIR/spool/pid/master.pid" ]; then
			kill "$(cat "$E2E_DIR/spool/pid/master.pid")" 2>/dev/null
		fi
	fi
	rm -rf "$E2E_DIR"
	mkdir -p "$E2E_DIR"/{etc,spool,data,sink,milter,log,msg} ||
	    e2e_die "cannot create $E2E_DIR"
	chmod 755 "$E2E_DIR" "$E2E_DIR/milter"
	chown postfix "$E2E_DIR/sink" "$E2E_DIR/data"
}

# e2e_register_instance - list E2E_DIR/etc in /etc/postfix/main.cf
e2e_register_instance()
{
	local main=/etc/postfix/main.cf cur
	# "postfix -c DIR" refuses a directory the default main.cf does not
	# list; a "No configuration" install has no main.cf at all.  Several
	# tests may register at once: serialise on a lock.
	(
		flock -w 60 8 || exit 1
		if [ ! -f "$main" ]; then
			mkdir -p /etc/postfix
			printf '%s\n' '# created by vigil tests/e2e/lib.sh' \
			    'compatibility_level = 3.6' >"$main"
		fi
		cur=$(postconf -h -c /etc/postfix alternate_config_directories \
		    2>/dev/null)
		case " ${cur//,/ } " in
		*" $E2E_DIR/etc "*) exit 0 ;;
		esac
		postconf -c /etc/postfix -e \
		    "alternate_config_directories = ${cur:+$cur, }$E2E_DIR/etc"
	) 8>"$E2E_ROOT/.register.lock" ||
	    e2e_die "cannot add $E2E_DIR/etc to $main alternate_config_directories"
}

# e2e_sink_start - start smtp-sink on a free port, storing mail in sink/
e2e_sink_start()
{
	E2E_SINK_PORT=$(e2e_free_port) || e2e_die "no free port"
	# %s plus smtp-sink's random suffix gives one file per message.
	smtp-sink -u postfix -d "$E2E_DIR/sink/%Y%m%d%H%M%S." \
	    "127.0.0.1:$E2E_SINK_PORT" 100 >"$E2E_DIR/log/sink.log" 2>&1 &
	E2E_SINK_PID=$!
	e2e_wait_for 10 e2e_port_open "$E2E_SINK_PORT" ||
	    e2e_die "smtp-sink did not listen on $E2E_SINK_PORT"
	e2e_log "smtp-sink on 127.0.0.1:$E2E_SINK_PORT pid $E2E_SINK_PID"
}

# e2e_postfix_config - write main.cf and master.cf; $1 milter spec or ""
e2e_postfix_config()
{
	local milter=$1 etc=$E2E_DIR/etc
	cat >"$etc/main.cf" <<EOF
# Generated by tests/e2e/lib.sh: a private Postfix relaying everything
# from loopback to smtp-sink, through the milter under test.
compatibility_level = 3.6
config_directory = $etc
queue_directory = $E2E_DIR/spool
data_directory = $E2E_DIR/data
maillog_file = $E2E_DIR/log/maillog
myhostname = vigil-e2e.test
mydomain = vigil-e2e.test
myorigin = vigil-e2e.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions =
relayhost = [127.0.0.1]:$E2E_SINK_PORT
default_transport = smtp
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
disable_mime_output_conversion = yes
message_size_limit = 10240000
biff = no
smtputf8_enable = no
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtpd_milters = $milter
non_smtpd_milters = $milter
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 10s
milter_command_timeout = 30s
milter_content_timeout = 60s
EOF
	# Every service unchrooted (chroot column n): the milter socket and
	# the instance live outside any chroot.
	cat >"$etc/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:$E2E_SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# e2e_spool_copy - fill E2E_DIR/spool with a copy of the template queue
# directory E2E_ROOT/.template/spool: made once by "postfix
# set-permissions" and checked by "postfix check" (logs in
# .template/log), then reused while Postfix's version and its users are
# the same.  Those two commands took about 10 s per test (post-install
# runs postconf dozens of times); a copy takes milliseconds.
e2e_spool_copy()
{
	local tpl=$E2E_ROOT/.template stamp
	stamp="$(postconf -d -h mail_version) $(id -u postfix) $(id -g postfix) $(getent group postdrop | cut -d: -f3)"
	(
		flock -w 120 7 || exit 1
		if [ "$(cat "$tpl/stamp" 2>/dev/null)" != "$stamp" ]; then
			(
				rm -rf "$tpl"
				mkdir -p "$tpl"/{etc,spool,data,log} || exit 1
				chown postfix "$tpl/data" || exit 1
				# Only its queue directory is used; the
				# ports are never listened on.
				E2E_DIR=$tpl E2E_SINK_PORT=9 E2E_SMTP_PORT=9
				e2e_postfix_config ""
				e2e_register_instance
				postfix -c "$tpl/etc" check \
				    >"$tpl/log/postfix-check.log" 2>&1
				postfix -c "$tpl/etc" set-permissions \
				    >"$tpl/log/postfix-perm.log" 2>&1 || exit 1
				echo "$stamp" >"$tpl/stamp"
			) || exit 1
		fi
		cp -a "$tpl/spool/." "$E2E_DIR/spool/"
	) 7>"$E2E_ROOT/.template.lock" ||
	    e2e_die "cannot prepare a queue directory from $tpl (see $tpl/log)"
}

# e2e_postfix_start - start the private Postfix; $1 milter spec or "" (none)
e2e_postfix_start()
{
	local milter=${1-}
	[ -n "${E2E_SINK_PID:-}" ] || e2e_sink_start
	E2E_SMTP_PORT=$(e2e_free_port) || e2e_die "no free port"
	e2e_postfix_config "$milter"
	e2e_register_instance
	e2e_spool_copy
	# The template was checked; Postfix's own "quick-start" skips the
	# same checks here (postfix-script start).
	: >"$E2E_DIR/spool/quick-start" ||
	    e2e_die "cannot write $E2E_DIR/spool/quick-start"
	postfix -c "$E2E_DIR/etc" start >"$E2E_DIR/log/postfix-start.log" 2>&1 ||
	    e2e_die "postfix start failed: $(tail -n 3 "$E2E_DIR/log/postfix-start.log" "$E2E_DIR/log/maillog" 2>/dev/null)"
	E2E_PF_UP=1
	e2e_wait_for 20 e2e_port_open "$E2E_SMTP_PORT" ||
	    e2e_die "Postfix smtpd did not listen on $E2E_SMTP_PORT"
	e2e_log "postfix on 127.0.0.1:$E2E_SMTP_PORT (instance $E2E_DIR/etc)"
}

# e2e_postfix_reload - rewrite main.cf with milter $1 and reload Postfix
e2e_postfix_reload()
{
	e2e_postfix_config "${1-}"
	postfix -c "$E2E_DIR/etc" reload >>"$E2E_DIR/log/postfix-start.log" 2>&1 ||
	    e2e_die "postfix reload failed"
	sleep 1
}

# e2e_postfix_stop - stop the private Postfix (no-op when not started)
e2e_postfix_stop()
{
	[ "$E2E_PF_UP" = 1 ] || return 0
	E2E_PF_UP=0
	local pid
	pid=$(tr -d ' ' <"$E2E_DIR/spool/pid/master.pid" 2>/dev/null)
	postfix -c "$E2E_DIR/etc" stop >/dev/null 2>&1
	# "stop" returns before the master exits; wait for it.
	if [ -n "$pid" ]; then
		e2e_wait_for 10 eval "! kill -0 $pid 2>/dev/null"
	fi
	return 0
}

# e2e_queue_empty - true when the private Postfix holds no mail
e2e_queue_empty()
{
	local n
	n=$(find "$E2E_DIR/spool/incoming" "$E2E_DIR/spool/active" \
	    "$E2E_DIR/spool/deferred" "$E2E_DIR/spool/hold" \
	    "$E2E_DIR/spool/maildrop" -type f 2>/dev/null | wc -l)
	[ "$n" -eq 0 ]
}

# e2e_prepare - copy message $1 without its mbox "From " line, headers
# $2.. put in front, into a new file: E2E_MSG (LF line ends, what the
# delivered copy is compared with)
e2e_prepare()
{
	local src=$1 h
	shift
	E2E_SEQ=$((E2E_SEQ + 1))
	E2E_MSG="$E2E_DIR/msg/$E2E_SEQ.$(basename "$src")"
	{
		for h in "$@"; do
			printf '%s\n' "$h"
		done
		# An MTA never sends the mbox separator; the corpus has one.
		sed '1{/^From /d}' "$src"
	} >"$E2E_MSG" || e2e_die "cannot prepare $src"
}

# e2e_wire - write file $1 as SMTP DATA into $2: CRLF line ends, leading
# dots doubled, and the final "." (swaks -ndf adds only its CRLF)
e2e_wire()
{
	# swaks' own "fixup" would also expand tokens such as %DATE% and a
	# literal backslash-n in the body, and add an empty line at the end.
	perl -e 'local $/; my $d = <STDIN>;
	    $d =~ s/\r?\n/\r\n/g; $d =~ s/^\./../mg;
	    $d .= "\r\n" if length($d) && $d !~ /\r\n\z/;
	    print $d, ".";' <"$1" >"$2"
}

# e2e_send - send file $1 with swaks; sets E2E_REPLY (the server's final
# reply line: to DATA's end, or the first refusal) and E2E_QID; returns 0
# when the message was accepted (2xx)
e2e_send()
{
	local file=$1 out wire
	shift
	out="$E2E_DIR/log/swaks.$(basename "$file").$RANDOM"
	wire="$E2E_DIR/msg/wire.$BASHPID.$RANDOM"
	e2e_wire "$file" "$wire" || e2e_die "cannot write $wire"
	E2E_REPLY=
	E2E_QID=
	timeout 120 swaks --server "127.0.0.1:$E2E_SMTP_PORT" \
	    --helo client.vigil-e2e.test \
	    --from sender@example.net --to rcpt@example.org \
	    --data "@$wire" --no-data-fixup --suppress-data --timeout 90 "$@" \
	    >"$out" 2>&1
	rm -f "$wire"
	# The reply to the end of DATA follows swaks' summary of the data;
	# a refusal earlier in the session is the first "<**" line.
	E2E_REPLY=$(awk '
	    /^ *~?> \./ || /^ *-> [0-9]+ lines sent/ { d = 1; next }
	    d && /^ *(<-|<\*\*) / { sub(/^ *(<-|<\*\*) +/, ""); print; exit }
	    /^ *<\*\* / && !e { e = $0 }
	    END { if (!d && e) { sub(/^ *<\*\* +/, "", e); print e } }' "$out")
	[ -n "$E2E_REPLY" ] || E2E_REPLY="(no reply: $(tail -n 1 "$out"))"
	case $E2E_REPLY in
	2*)
		E2E_QID=$(printf '%s\n' "$E2E_REPLY" |
		    sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p')
		return 0
		;;
	esac
	return 1
}

# e2e_find_delivered - print the sink file holding queue id $1, if any
e2e_find_delivered()
{
	# Postfix's own Received: header names the queue id.
	grep -l -E "id $1(;|\$)" -r "$E2E_DIR/sink" 2>/dev/null | head -n 1
}

# e2e_sent_in_log - true when the maillog says queue id $1 was delivered
e2e_sent_in_log()
{
	grep -q " $1: to=<.*status=sent" "$E2E_DIR/log/maillog" 2>/dev/null
}

# e2e_wait_delivered - wait until queue id $1 is delivered to the sink;
# sets E2E_DELIVERED to the file; returns 1 on timeout
e2e_wait_delivered()
{
	E2E_DELIVERED=
	[ -n "$1" ] || return 1
	# The maillog line comes after the sink's 250, when the file is
	# complete.
	e2e_wait_for "${2:-$E2E_TIMEOUT}" e2e_sent_in_log "$1" || return 1
	E2E_DELIVERED=$(e2e_find_delivered "$1")
	[ -n "$E2E_DELIVERED" ]
}

# e2e_sink_count - print how many messages the sink has stored
e2e_sink_count()
{
	find "$E2E_DIR/sink" -type f | wc -l
}

# e2e_body - print the body (after the first empty line) of file $1 with
# line ends normalised to LF and the sink's trailing empty line dropped
# when $2 = sink
e2e_body()
{
	local f=$1
	tr -d '\r' <"$f" | awk 'b { print; next } /^$/ { b = 1 }' |
	    if [ "${2-}" = sink ]; then sed '$d'; else cat; fi
}

# e2e_headers - print the header section of file $1 (CR removed, folded
# lines joined)
e2e_headers()
{
	tr -d '\r' <"$1" | awk '/^$/ { exit }
	    /^[ \t]/ { h = h " " $0; next }
	    { if (h != "") print h; h = $0 }
	    END { if (h != "") print h }'
}

# e2e_header_values - print the values of header $2 in file $1, one a line
e2e_header_values()
{
	e2e_headers "$1" | awk -v n="$2" '
	    BEGIN { n = tolower(n) ":" }
	    tolower(substr($0, 1, length(n))) == n {
		v = substr($0, length(n) + 1); sub(/^[ \t]+/, "", v); print v }'
}

# e2e_sigdb - write the test signature DB (tests/tools/make-sigdb.sh) into
# E2E_DB
e2e_sigdb()
{
	local tool=$E2E_SRC/tests/tools/make-sigdb.sh
	E2E_DB=$E2E_DIR/milter/db
	[ -f "$tool" ] || e2e_die "$tool not found"
	sh "$tool" "$E2E_DB" >"$E2E_DIR/log/make-sigdb.log" 2>&1 ||
	    e2e_die "make-sigdb.sh failed: $(tail -n 2 "$E2E_DIR/log/make-sigdb.log")"
	[ -s "$E2E_DB/vigil-test.ndb" ] || e2e_die "no vigil-test.ndb written"
	chmod -R a+rX "$E2E_DB"
}

# e2e_ndb_add - add body signature $1 (name) matching string $2 to E2E_DB
# in file $3 (default vigil-e2e.ndb), atomically
e2e_ndb_add()
{
	local f=$E2E_DB/${3:-vigil-e2e.ndb} hex
	hex=$(printf '%s' "$2" | od -An -v -tx1 | tr -d ' \n')
	if ! {
		if [ -f "$f" ]; then cat "$f"; fi
		printf '%s:0:*:%s\n' "$1" "$hex"
	} >"$f.tmp"; then
		e2e_die "cannot write $f.tmp"
	fi
	# rename(2): the milter never sees a half-written file.
	if ! chmod 644 "$f.tmp" || ! mv "$f.tmp" "$f"; then
		e2e_die "cannot write $f"
	fi
}

# e2e_milter_conf - write E2E_CONF; $@ extra "key = value" lines that
# replace the defaults below of the same key
e2e_milter_conf()
{
	local rules=$E2E_SRC/rules/vigil.rules kv key
	E2E_CONF=$E2E_DIR/milter/vigil.conf
	E2E_SOCK=$E2E_DIR/milter/vigil.sock
	if [ ! -f "$rules" ]; then
		# XXX until rules/vigil.rules exists the virus tests run with
		# an empty rules file.
		rules=$E2E_DIR/milter/empty.rules
		: >"$rules"
		e2e_log "no $E2E_SRC/rules/vigil.rules: using an empty rules file"
	fi
	declare -A set=(
		[socket]="unix:$E2E_SOCK"
		[user]=postfix
		[clamav_database]="$E2E_DB"
		[rules]="$rules"
		[max_message_size]=64K
		[signature_check_interval]=0
		[scan_workers]=2
		[bayes_path]="$E2E_DIR/milter/bayes.lmdb"
		# Vigil's own rules alone; SpamAssassin's (the default where
		# installed) are tested by cli_sa_default.
		[sa_update_dir]=
	)
	local order=(socket user clamav_database rules max_message_size
	    signature_check_interval scan_workers bayes_path sa_update_dir)
	for kv in "$@"; do
		key=${kv%%=*}
		key=${key// /}
		[ -n "${set[$key]+x}" ] || order+=("$key")
		set[$key]=$(printf '%s' "${kv#*=}" | sed 's/^ *//')
	done
	{
		echo "# Generated by tests/e2e/lib.sh"
		for key in "${order[@]}"; do
			printf '%s = %s\n' "$key" "${set[$key]}"
		done
	} >"$E2E_CONF"
	chmod 644 "$E2E_CONF"
}

# e2e_milter_bin - set E2E_MILTER_BIN to the build's vigil-milter, or fail
e2e_milter_bin()
{
	E2E_MILTER_BIN=$E2E_BUILD/milter/vigil-milter
	[ -x "$E2E_MILTER_BIN" ] ||
	    e2e_die "$E2E_MILTER_BIN not built (build the vigil-milter target)"
}

# e2e_milter_start - start vigil-milter -f -c E2E_CONF and wait for its
# socket (a stale socket file from a killed milter is removed first by the
# milter itself)
e2e_milter_start()
{
	local bin
	e2e_milter_bin
	bin=$E2E_MILTER_BIN
	"$bin" -t -c "$E2E_CONF" >"$E2E_DIR/log/milter-t.log" 2>&1 ||
	    e2e_die "vigil-milter -t rejects the config: $(head -n 5 "$E2E_DIR/log/milter-t.log")"
	"$bin" -f -c "$E2E_CONF" >>"$E2E_DIR/log/milter.log" 2>&1 &
	E2E_MILTER_PID=$!
	# A socket left by a killed milter exists already: wait for a fresh
	# one, i.e. one that accepts connections.
	if ! e2e_wait_for "$E2E_TIMEOUT" e2e_milter_ready; then
		e2e_die "vigil-milter did not open $E2E_SOCK: $(tail -n 5 "$E2E_DIR/log/milter.log")"
	fi
	e2e_log "vigil-milter pid $E2E_MILTER_PID on $E2E_SOCK"
}

# e2e_milter_ready - true when the milter runs and its socket accepts
e2e_milter_ready()
{
	kill -0 "$E2E_MILTER_PID" 2>/dev/null || e2e_die \
	    "vigil-milter exited: $(tail -n 5 "$E2E_DIR/log/milter.log")"
	[ -S "$E2E_SOCK" ] || return 1
	perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Peer => $ARGV[0])
	    or exit 1' "$E2E_SOCK"
}

# e2e_milter_stop - stop the milter with SIGTERM (SIGKILL after 10s)
e2e_milter_stop()
{
	[ -n "$E2E_MILTER_PID" ] || return 0
	kill -TERM "$E2E_MILTER_PID" 2>/dev/null
	if ! e2e_wait_for 10 eval "! kill -0 $E2E_MILTER_PID 2>/dev/null"; then
		e2e_log "vigil-milter ignored SIGTERM for 10s: SIGKILL"
		kill -KILL "$E2E_MILTER_PID" 2>/dev/null
	fi
	wait "$E2E_MILTER_PID" 2>/dev/null
	E2E_MILTER_PID=
}

# e2e_milter_kill - kill the milter with SIGKILL (a crash), no cleanup
e2e_milter_kill()
{
	[ -n "$E2E_MILTER_PID" ] || return 0
	kill -KILL "$E2E_MILTER_PID" 2>/dev/null
	wait "$E2E_MILTER_PID" 2>/dev/null
	E2E_MILTER_PID=
}

# e2e_start_all - signature DB, milter (config lines $@), Postfix with it
e2e_start_all()
{
	e2e_sigdb
	e2e_milter_conf "$@"
	e2e_milter_start
	e2e_postfix_start "unix:$E2E_SOCK"
}

# e2e_expect_delivered - check that the last e2e_send was accepted and
# delivered; $1 names the check.  Sets E2E_DELIVERED.
e2e_expect_delivered()
{
	if [ -z "$E2E_QID" ]; then
		e2e_not_ok "$1: accepted" "got '$E2E_REPLY', want 250 ... queued as"
		return 1
	fi
	if ! e2e_wait_delivered "$E2E_QID"; then
		e2e_not_ok "$1: delivered" \
		    "got no delivery of $E2E_QID in ${E2E_TIMEOUT}s, want one"
		return 1
	fi
	e2e_ok "$1: accepted and delivered ($E2E_QID)"
}

# e2e_expect_refused - check that the last e2e_send got a reply matching
# ERE $2 and that nothing reached the sink or the queue; $1 names the
# check, $3 the sink count before sending
e2e_expect_refused()
{
	if ! printf '%s\n' "$E2E_REPLY" | grep -qE "$2"; then
		e2e_not_ok "$1: reply" "got '$E2E_REPLY', want /$2/"
		return 1
	fi
	e2e_ok "$1: refused with '$E2E_REPLY'"
	# Give a wrongly queued message the time to reach the sink.
	sleep 0.5
	e2e_wait_for 5 e2e_queue_empty
	local n
	n=$(e2e_sink_count)
	if [ "$n" -ne "$3" ] || ! e2e_queue_empty; then
		e2e_not_ok "$1: nothing delivered or queued" \
		    "got $((n - $3)) delivered, queue empty: $(e2e_queue_empty && echo yes || echo no); want 0, yes"
		return 1
	fi
	e2e_ok "$1: nothing delivered or queued"
}

# e2e_expect_body_same - check the delivered body equals the sent one
e2e_expect_body_same()
{
	if diff <(e2e_body "$E2E_MSG") <(e2e_body "$E2E_DELIVERED" sink) \
	    >"$E2E_DIR/log/body.diff" 2>&1; then
		e2e_ok "$1: body byte-for-byte identical"
	else
		e2e_not_ok "$1: body" "got a different body ($(wc -l <"$E2E_DIR/log/body.diff") diff lines), want the sent one"
	fi
}

# e2e_expect_header - check the delivered copy has exactly one header $2
# (name compared case-sensitively) with a value matching ERE $3
e2e_expect_header()
{
	local vals n name
	vals=$(e2e_header_values "$E2E_DELIVERED" "$2")
	n=$(printf '%s' "$vals" | grep -c '')
	if [ "$n" -ne 1 ]; then
		e2e_not_ok "$1: one $2 header" "got $n ($(printf '%s' "$vals" | tr '\n' '|')), want 1"
		return 1
	fi
	name=$(e2e_headers "$E2E_DELIVERED" | grep -i "^$2:" | cut -d: -f1)
	if [ "$name" != "$2" ]; then
		e2e_not_ok "$1: $2 header" "got name '$name', want '$2'"
		return 1
	fi
	if ! printf '%s\n' "$vals" | grep -qE "$3"; then
		e2e_not_ok "$1: $2 value" "got '$vals', want /$3/"
		return 1
	fi
	e2e_ok "$1: $2: $vals"
}

# e2e_expect_no_header - check the delivered copy has no header $2
e2e_expect_no_header()
{
	local vals
	vals=$(e2e_header_values "$E2E_DELIVERED" "$2")
	if [ -n "$vals" ]; then
		e2e_not_ok "$1: no $2 header" "got '$(printf '%s' "$vals" | tr '\n' '|')', want none"
		return 1
	fi
	e2e_ok "$1: no $2 header"
}

# --- helpers for the spam, SPF and policy tests (test_spam.sh,
# test_spf.sh, test_policy.sh) ---------------------------------------------

# e2e_dns_start - start the test DNS server (tests/dns/start.sh, zones in
# tests/dns/zones.conf) on a free port for this instance; sets
# E2E_DNS_PORT.  The EXIT trap stops it.
e2e_dns_start()
{
	local dir=$E2E_DIR/dns
	[ -x /usr/sbin/dnsmasq ] ||
	    e2e_skip "the test DNS server needs dnsmasq (apt-get install dnsmasq)"
	E2E_DNS_PORT=$(e2e_free_port) || e2e_die "no free port"
	sh "$E2E_SRC/tests/dns/start.sh" "$dir" "$E2E_DNS_PORT" \
	    >"$E2E_DIR/log/dns-start.log" 2>&1 ||
	    e2e_die "test DNS server did not start: $(tail -n 3 "$E2E_DIR/log/dns-start.log")"
	[ -s "$dir/dnsmasq.pid" ] || e2e_die "no $dir/dnsmasq.pid"
	E2E_PIDS+=("$(cat "$dir/dnsmasq.pid")")
	e2e_log "test DNS server on 127.0.0.1:$E2E_DNS_PORT"
}

# e2e_dns_blackhole - bind a UDP port on 127.0.0.1 that never answers (a
# DNS server that is down without saying so: no ICMP port unreachable);
# sets E2E_BLACKHOLE_PORT.  The EXIT trap stops it.
e2e_dns_blackhole()
{
	local f=$E2E_DIR/milter/blackhole.port
	perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		LocalPort => 0, Proto => "udp") or die "$!\n";
	    open(my $f, ">", "$ARGV[0].tmp") or die "$!\n";
	    print $f $s->sockport, "\n";
	    close($f);
	    rename("$ARGV[0].tmp", $ARGV[0]) or die "$!\n";
	    sleep 3600;' "$f" 2>>"$E2E_DIR/log/blackhole.log" &
	E2E_PIDS+=("$!")
	e2e_wait_for 10 test -s "$f" || e2e_die "UDP black hole did not start"
	# shellcheck disable=SC2034 # for the tests that source this file
	E2E_BLACKHOLE_PORT=$(cat "$f")
}

# e2e_postfix_set - change settings ("key = value" each) in the running
# instance's main.cf and reload it
e2e_postfix_set()
{
	postconf -c "$E2E_DIR/etc" -e "$@" ||
	    e2e_die "postconf -e $* failed"
	postfix -c "$E2E_DIR/etc" reload >>"$E2E_DIR/log/postfix-start.log" 2>&1 ||
	    e2e_die "postfix reload failed"
	sleep 1
}

# e2e_milter_restart - stop the milter, rewrite E2E_CONF with config lines
# $@ (e2e_milter_conf) and start it again
e2e_milter_restart()
{
	e2e_milter_stop
	e2e_milter_conf "$@"
	e2e_milter_start
}

# e2e_rules_file - write a rules file $1 (name under milter/) that includes
# the default rules, then lines $2..; prints its path
e2e_rules_file()
{
	local f=$E2E_DIR/milter/$1
	shift
	{
		printf 'include %s\n' "$E2E_SRC/rules/vigil.rules"
		printf '%s\n' "$@"
	} >"$f" || e2e_die "cannot write $f"
	chmod 644 "$f"
	printf '%s\n' "$f"
}

# e2e_queue_list - print "queue_name queue_id sender" for every message in
# the private Postfix's queue (postqueue -j), one a line
e2e_queue_list()
{
	postqueue -c "$E2E_DIR/etc" -j 2>/dev/null | perl -ne '
	    my %h = /"(queue_name|queue_id|sender)": *"([^"]*)"/g;
	    print "$h{queue_name} $h{queue_id} ", ($h{sender} // ""), "\n"
		if defined $h{queue_id};'
}

# e2e_queue_is - true when the queue holds exactly the messages listed
# in $1 ("QUEUE_NAME QID" lines, any order; empty: none)
e2e_queue_is()
{
	[ "$(e2e_queue_list | cut -d' ' -f1,2 | sort)" = \
	    "$(printf '%s' "$1" | sort)" ]
}

# e2e_expect_queue - check that the queue holds exactly the messages
# listed in $2 ("hold QID" lines, or empty for none) after a moment for
# stray mail to settle, and that nothing bounced: no mail from <> or
# MAILER-DAEMON reached the sink and the maillog shows no non-delivery
# notification; $1 names the check
e2e_expect_queue()
{
	local want=${2-} got bounces
	e2e_wait_for 5 e2e_queue_is "$want"
	got=$(e2e_queue_list | cut -d' ' -f1,2 | sort)
	if e2e_queue_is "$want"; then
		e2e_ok "$1: queue holds $(printf '%s' "${want:-nothing}" | tr '\n' ' ')"
	else
		e2e_not_ok "$1: queue" "got '$(printf '%s' "$got" | tr '\n' '|')', want '$(printf '%s' "$want" | tr '\n' '|')'"
	fi
	# smtp-sink -d records the envelope sender as X-Mail-Args.
	bounces=$(grep -rlis -E \
	    '^((From|Return-Path):.*MAILER-DAEMON|X-Mail-Args: <>)' \
	    "$E2E_DIR/sink" | wc -l)
	if grep -qs 'sender non-delivery notification' \
	    "$E2E_DIR/log/maillog"; then
		bounces=$((bounces + 1))
	fi
	if [ "$bounces" -eq 0 ]; then
		e2e_ok "$1: no bounce sent"
	else
		e2e_not_ok "$1: bounces" "got $bounces, want 0"
	fi
}

# e2e_matches - true when a line of string $1 matches ERE $2
e2e_matches()
{
	printf '%s\n' "$1" | grep -qE "$2"
}

# e2e_corpus_file - print the corpus file in directory $1 whose name
# starts with "$2." (corpus names end in the message's MD5), or nothing
e2e_corpus_file()
{
	find "$1" -maxdepth 1 -type f -name "$2.*" 2>/dev/null | sort |
	    head -n 1
}
