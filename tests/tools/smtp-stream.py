#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# smtp-stream.py - send N numbered messages over C parallel SMTP clients and
# record what the server answered to each one.
#
# PURPOSE  The fault tests (tests/e2e/test_kill.sh, test_slowdns.sh ...) and
#	   the soak (bench/soak.sh) need many messages, each with a unique
#	   id, and the final reply the client got for each, so that they can
#	   compare the set sent with the set delivered (smtp-sink files),
#	   queued (postqueue -j) and refused.  swaks costs a Perl start-up
#	   per message; this is one process with C threads, one SMTP session
#	   per message (as an MTA's client opens one per delivery).
# OUTPUT   --out FILE gets one line per message when it is finished:
#	   "ID<TAB>CODE<TAB>REPLY<TAB>SECONDS<TAB>TRIES", where CODE is the
#	   final reply's code (250, 451, 550 ...) or "ERR" for a connection
#	   that ended without a reply (then the message may or may not have
#	   been accepted: the callers count that case apart).  Each message
#	   carries "X-Vigil-Stream-Id: PREFIX-ID" and "Message-ID:
#	   <PREFIX-ID@stream.vigil-e2e.test>".
# RETRY    --retry SECONDS: a 4xx (or a connection error) is retried after
#	   --retry-delay seconds until SECONDS have passed since the first
#	   try, as an MTA's client keeps a tempfailed message and tries again.
#	   0 (default): every message is tried once.
# LIMITS   Every socket operation has a time-out (--timeout, default 90s).
import argparse
import smtplib
import socket
import sys
import threading
import time


def build_message(args, n):
	mid = "%s-%d" % (args.prefix, n)
	lines = [
	    "From: Stream Sender <sender@%s>" % sender_domain(args, n),
	    "To: rcpt@example.org",
	    "Subject: stream message %s" % mid,
	    "Message-ID: <%s@stream.vigil-e2e.test>" % mid,
	    "Date: Mon, 07 Dec 2026 10:00:00 +0000",
	    "X-Vigil-Stream-Id: %s" % mid,
	    "MIME-Version: 1.0",
	    "Content-Type: text/plain; charset=us-ascii",
	    "",
	    "This is stream message %s, one of %d." % (mid, args.count),
	    "",
	]
	body = "\r\n".join(lines) + "\r\n"
	if args.size > len(body):
		# Filler lines of 76 printable bytes; text, so every stage reads
		# it and nothing compresses it away.
		line = ("%s " % mid + "abcdefghijklmnopqrstuvwxyz0123456789" * 3)
		line = line[:76] + "\r\n"
		need = args.size - len(body)
		body += line * (need // len(line) + 1)
	return body.encode("ascii")


def sender_domain(args, n):
	if "%d" in args.from_domain:
		return args.from_domain % n
	return args.from_domain


def send_once(args, n, data):
	"""One SMTP session; returns (code, reply text)."""
	s = smtplib.SMTP(timeout=args.timeout)
	try:
		s.connect(args.host, args.port)
		s.ehlo(args.helo)
		if args.xclient_addr:
			code, msg = s.docmd("XCLIENT",
			    "ADDR=%s NAME=[UNAVAILABLE]" % args.xclient_addr)
			if code != 220:
				return code, msg.decode("ascii", "replace")
			s.ehlo(args.helo)
		code, msg = s.mail("sender@%s" % sender_domain(args, n))
		if code != 250:
			return code, msg.decode("ascii", "replace")
		code, msg = s.rcpt("rcpt@example.org")
		if code not in (250, 251):
			return code, msg.decode("ascii", "replace")
		code, msg = s.data(data)
		return code, msg.decode("ascii", "replace")
	finally:
		try:
			s.quit()
		except Exception:
			s.close()


class Stream:
	def __init__(self, args):
		self.args = args
		self.next = args.first
		self.last = args.first + args.count - 1
		self.lock = threading.Lock()
		self.out = open(args.out, "a", buffering=1)
		self.counts = {}

	def take(self):
		with self.lock:
			if self.next > self.last:
				return None
			n = self.next
			self.next += 1
			return n

	def record(self, n, code, text, secs, tries):
		text = " ".join(text.split())
		with self.lock:
			self.out.write("%s-%d\t%s\t%s\t%.3f\t%d\n" % (
			    self.args.prefix, n, code, text, secs, tries))
			k = str(code)[0] + "xx" if code != "ERR" else "ERR"
			self.counts[k] = self.counts.get(k, 0) + 1

	def worker(self):
		while True:
			n = self.take()
			if n is None:
				return
			data = build_message(self.args, n)
			t0 = time.monotonic()
			tries = 0
			while True:
				tries += 1
				try:
					code, text = send_once(self.args, n, data)
				except (OSError, smtplib.SMTPException,
				    socket.timeout) as e:
					code, text = "ERR", "%s: %s" % (
					    type(e).__name__, e)
				transient = code == "ERR" or 400 <= code < 500
				if (transient and self.args.retry > 0 and
				    time.monotonic() - t0 < self.args.retry):
					time.sleep(self.args.retry_delay)
					continue
				break
			self.record(n, code, text, time.monotonic() - t0, tries)


def main():
	p = argparse.ArgumentParser()
	p.add_argument("--host", default="127.0.0.1")
	p.add_argument("--port", type=int, required=True)
	p.add_argument("--count", type=int, required=True)
	p.add_argument("--first", type=int, default=1)
	p.add_argument("--conns", type=int, default=1)
	p.add_argument("--prefix", default="m")
	p.add_argument("--size", type=int, default=0,
	    help="approximate message size in bytes")
	p.add_argument("--from-domain", default="example.net",
	    help="sender domain; %%d is replaced by the message number")
	p.add_argument("--helo", default="client.vigil-e2e.test")
	p.add_argument("--xclient-addr", default="")
	p.add_argument("--retry", type=float, default=0)
	p.add_argument("--retry-delay", type=float, default=1.0)
	p.add_argument("--timeout", type=float, default=90)
	p.add_argument("--out", required=True)
	args = p.parse_args()

	st = Stream(args)
	t0 = time.monotonic()
	threads = [threading.Thread(target=st.worker, daemon=True)
	    for _ in range(max(1, args.conns))]
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	secs = time.monotonic() - t0
	summary = " ".join("%s=%d" % kv for kv in sorted(st.counts.items()))
	print("sent %d in %.2f s (%.1f msg/s): %s" % (args.count, secs,
	    args.count / secs if secs > 0 else 0, summary))
	return 0


if __name__ == "__main__":
	sys.exit(main())
