#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_spf.sh BUILD_DIR - SPF through a real Postfix and the test DNS
# server (issue 4).
#
# The SMTP client is swaks on loopback; it gives Postfix the client
# address to check with XCLIENT (smtpd_authorized_xclient_hosts), because
# libspf2 passes every loopback client ("localhost is always allowed") and
# because tests/dns/zones.conf designates 192.0.2.1 for pass.spf.test.
# With spf_reject_fail = yes, MAIL FROM someone@fail.spf.test is refused
# with 550 5.7.23; with it off the message is delivered with SPF_FAIL in
# X-Spam-Status, "Authentication-Results: <authserv_id>; spf=fail
# smtp.mailfrom=fail.spf.test" and Received-SPF: fail; pass.spf.test from
# 192.0.2.1 gets spf=pass; a trusted client is not SPF-checked; a forged
# Authentication-Results with our authserv_id is removed and one with
# another id kept.  With a DNS server that never answers, the message is
# delivered (SPF_TEMPERROR, not refused even with spf_reject_fail = yes)
# within dns_deadline.  DMARC (on by default) adds dmarc=temperror for the
# ham's From: domain, which the test zones do not serve.
. "$(dirname "$0")/lib.sh"

e2e_init spf "${1-}"
e2e_dns_start

id=vigil-e2e.test
# A client the zones fail (any address) and the one pass.spf.test allows.
fail_ip=198.51.100.7
pass_ip=192.0.2.1
trusted_ip=203.0.113.5
base=(
	"authserv_id = $id"
	"trusted_networks = 203.0.113.0/24"
	"dns_servers = 127.0.0.1:$E2E_DNS_PORT"
	"harvest_threshold = 0"
)
e2e_start_all "${base[@]}" "spf_reject_fail = yes"
# The clients' addresses come from XCLIENT; Postfix relays for them.
e2e_postfix_set "smtpd_authorized_xclient_hosts = 127.0.0.1" \
    "mynetworks = 127.0.0.0/8, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24"

ham=$(e2e_corpus_file "$E2E_CORPUS/spamassassin/ham" easy_ham.00001)
[ -n "$ham" ] || e2e_die "easy_ham.00001 not found in $E2E_CORPUS"
# DMARC is on by default.  The ham's From: is kre@munnari.OZ.AU, outside
# the test zones, which the test DNS server refuses (no-resolv): its
# DMARC lookup is temperror, and the message is delivered all the same.
dm="; dmarc=temperror header.from=munnari.OZ.AU"

# expect_ar - the delivered copy has exactly one Authentication-Results
# with our authserv_id, equal to "$id; $2"; $1 names the check
expect_ar()
{
	local ours n
	ours=$(e2e_header_values "$E2E_DELIVERED" Authentication-Results |
	    grep -iE "^$id *;")
	n=$(printf '%s' "$ours" | grep -c '')
	if [ "$n" -eq 1 ] && [ "$ours" = "$id; $2" ]; then
		e2e_ok "$1: Authentication-Results: $ours"
	else
		e2e_not_ok "$1: Authentication-Results" \
		    "got $n ($(printf '%s' "$ours" | tr '\n' '|')), want one '$id; $2'"
	fi
}

# 1. spf_reject_fail = yes: an SPF fail is refused in the session.
e2e_prepare "$ham"
before=$(e2e_sink_count)
e2e_send "$E2E_MSG" --xclient-addr "$fail_ip" --from someone@fail.spf.test
e2e_expect_refused "SPF fail with spf_reject_fail = yes" '^550 5\.7\.23 ' \
    "$before"
e2e_expect_queue "SPF fail refused" ""

# ... and a trusted client is not SPF-checked at all.
e2e_send "$E2E_MSG" --xclient-addr "$trusted_ip" --from someone@fail.spf.test
if e2e_expect_delivered "fail.spf.test from a trusted client"; then
	st=$(e2e_header_values "$E2E_DELIVERED" X-Spam-Status)
	ar=$(e2e_header_values "$E2E_DELIVERED" Authentication-Results |
	    grep -iE "^$id *;")
	if e2e_matches "$st $ar" 'SPF_FAIL|spf=fail'; then
		e2e_not_ok "trusted client: SPF checked" \
		    "got '$st' / '$ar', want no SPF_FAIL, no spf=fail"
	else
		e2e_ok "trusted client: not SPF-checked ('$st' / '${ar:-no Authentication-Results}')"
	fi
fi

# 2. spf_reject_fail = no: delivered, scored and labelled.
e2e_milter_restart "${base[@]}" "spf_reject_fail = no"
e2e_send "$E2E_MSG" --xclient-addr "$fail_ip" --from someone@fail.spf.test
if e2e_expect_delivered "SPF fail with spf_reject_fail = no"; then
	t="SPF fail delivered"
	e2e_expect_header "$t" X-Spam-Status '^No, score=.*tests=.*SPF_FAIL'
	expect_ar "$t" "spf=fail smtp.mailfrom=fail.spf.test$dm"
	e2e_expect_header "$t" Received-SPF "^fail .*client-ip=$fail_ip;"
	e2e_expect_body_same "$t"
fi

# 3. A pass domain from its designated client.
e2e_send "$E2E_MSG" --xclient-addr "$pass_ip" --from someone@pass.spf.test
if e2e_expect_delivered "SPF pass"; then
	t="SPF pass"
	e2e_expect_header "$t" X-Spam-Status '^No, score=.*tests=.*SPF_PASS'
	expect_ar "$t" "spf=pass smtp.mailfrom=pass.spf.test$dm"
	e2e_expect_header "$t" Received-SPF "^pass .*client-ip=$pass_ip;"
fi

# 4. A forged Authentication-Results with our id goes, another id stays.
other="mx.other.example; spf=pass smtp.mailfrom=other.example"
e2e_prepare "$ham" \
    "Authentication-Results: $id; spf=pass smtp.mailfrom=fail.spf.test" \
    "Authentication-Results: $other"
e2e_send "$E2E_MSG" --xclient-addr "$fail_ip" --from someone@fail.spf.test
if e2e_expect_delivered "forged Authentication-Results"; then
	t="forged Authentication-Results"
	expect_ar "$t" "spf=fail smtp.mailfrom=fail.spf.test$dm"
	n=$(e2e_header_values "$E2E_DELIVERED" Authentication-Results |
	    grep -cxF "$other")
	e2e_check "$t: the other authserv-id's header kept (got $n, want 1)" \
	    [ "$n" -eq 1 ]
	n=$(e2e_header_values "$E2E_DELIVERED" Authentication-Results |
	    grep -c '')
	e2e_check "$t: two Authentication-Results in all (got $n, want 2)" \
	    [ "$n" -eq 2 ]
fi
e2e_expect_queue "SPF delivered" ""

# 5. A DNS server that never answers: no refusal, no wait past the
# deadline.  The per-query time-out (10 s) is longer than the deadline
# (2 s), so only the deadline can end the wait.  SPF_TEMPERROR gets a
# score here so that X-Spam-Status shows it (a rule scored 0 is not
# listed).
e2e_dns_blackhole
rules=$(e2e_rules_file temperror.rules 'score SPF_TEMPERROR 0.1')
deadline=2
e2e_milter_restart "${base[@]}" "spf_reject_fail = yes" \
    "dns_servers = 127.0.0.1:$E2E_BLACKHOLE_PORT" "dns_timeout = 10s" \
    "dns_deadline = ${deadline}s" "rules = $rules"
start=$(date +%s%N)
e2e_send "$E2E_MSG" --xclient-addr "$fail_ip" --from someone@fail.spf.test
ms=$((($(date +%s%N) - start) / 1000000))
if e2e_expect_delivered "DNS server that never answers"; then
	t="DNS black hole"
	e2e_expect_header "$t" X-Spam-Status '^No, score=.*SPF_TEMPERROR'
	expect_ar "$t" "spf=temperror smtp.mailfrom=fail.spf.test$dm"
	# The SMTP transaction takes the deadline plus Postfix's and the
	# scan's own time (well under a second with an answering server);
	# a wait for the query time-out would take 10 s.
	e2e_check "$t: transaction took ${ms} ms (want <= $((deadline + 5))000 ms)" \
	    [ "$ms" -le $(((deadline + 5) * 1000)) ]
	n=$(grep -c 'SPF_TEMPERROR for fail\.spf\.test' "$E2E_DIR/log/milter.log")
	e2e_check "$t: the milter logs the temporary error (got $n lines, want >= 1)" \
	    [ "$n" -ge 1 ]
fi
e2e_expect_queue "DNS black hole" ""

e2e_finish
