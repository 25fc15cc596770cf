#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# deps.sh - install every Debian 12 package Vigil's build and tests need.
#
# This is the single list: tests/run-all.sh and packaging/quickstart.sh call
# it, and a new build or test dependency is added here and nowhere else.
# Idempotent and quiet: when everything is installed it prints nothing and
# touches nothing (no apt-get update).  Must run as root when something is
# missing.
set -euo pipefail

pkgs=(
	# build
	build-essential cmake pkg-config clang libclang-rt-14-dev
	libmilter-dev libclamav-dev libpcre2-dev libspf2-dev
	# the rules' prefilter: Hyperscan scans each text once for every
	# rule's pattern, PCRE2 confirms the candidates (rules_prefilter.c)
	libhyperscan-dev
	libgmime-3.0-dev libxml2-dev libc-ares-dev libpsl-dev libarchive-dev
	# the classifier's stores: LMDB embedded, Redis shared (hiredis)
	liblmdb-dev libhiredis-dev
	# DKIM: OpenSSL's libcrypto verifies the signatures (lib/net/dkim.c);
	# dkimpy (python3-dkim) signs the test messages, an independent signer
	libssl-dev python3-dkim
	# ARC: dkimpy's arc_sign() seals the test messages (tests/tools/
	# arc-seal.py) and needs python3-authres to read Authentication-Results
	python3-authres
	# Type=notify: sd_notify() tells systemd when the milter socket is
	# open (milter/notify.c); lintian checks the .deb (tests/install)
	libsystemd-dev lintian
	# the metrics listener (metrics_listen): a well-kept HTTP server
	# library rather than a hand-written one; curl scrapes it in the tests
	libmicrohttpd-dev curl
	# unit tests, milter tests, lint (clang-format), SPF suite (python3-yaml)
	check miltertest clang-format python3 python3-yaml
	# real components used by the tests
	clamav clamav-testfiles postfix swaks dnsmasq
	# the clamd backend's test starts its own clamd servers (no service)
	clamav-daemon
	# the Redis store's tests start their own redis-server on loopback
	redis-server
	# SASL for the e2e policy test (an authenticated sender, sasldb)
	sasl2-bin libsasl2-modules
	# SpamAssassin's rule files (the compat-mode test loads them) and
	# SpamAssassin itself: tests/accuracy/sa-diff.py scores the same mail
	# through its Perl API (Mail::SpamAssassin, as spamd does) to compare
	spamassassin
	# Sieve (Pigeonhole's sieve-test) and procmail run recipes written for
	# SpamAssassin's headers against Vigil's delivered copies (e2e spam)
	dovecot-sieve procmail
	# zstd: a compressed format ClamAV cannot open (tests/cli)
	zstd
	# the e2e scripts (perl finds free ports; ps, kill, timeout)
	perl-base procps coreutils findutils
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: run as root (or: sudo $0)" >&2
	exit 1
fi

echo "deps.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix must not ask questions nor configure a system mail server: the
# tests run their own private instance.
echo "postfix postfix/main_mailer_type select No configuration" |
    debconf-set-selections

# Refresh the package lists only when they are missing or older than a day.
lists=/var/lib/apt/lists
if [ -z "$(find "$lists" -maxdepth 1 -name '*_Packages*' -mtime -1 \
    -print -quit 2>/dev/null)" ]; then
	apt-get -o DPkg::Lock::Timeout=600 update -qq
fi
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps.sh: done"
