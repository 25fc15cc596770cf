#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# slow-dns.py PORTFILE [DELAY] - a real DNS server on 127.0.0.1 (UDP) that
# answers every query NXDOMAIN, DELAY seconds (default 2) after it came.
#
# PURPOSE  tests/e2e/test_slowdns.sh needs a resolver that is alive but
#	   slow, which dnsmasq cannot be made to be.  This is a server
#	   process speaking the DNS wire protocol on a real socket, not a
#	   mock inside the milter: vigil-milter's c-ares sends it packets and
#	   gets answers back.  Each query is answered on its own timer, so
#	   many queries wait at once (it is slow, not serial).
# OUTPUT   Binds 127.0.0.1 port 0 and writes the port to PORTFILE (via a
#	   rename, so a reader never sees half a number); one line per query
#	   on stdout: "<time> <id> <qname> <qtype>".
import socket
import sys
import threading
import time


def qname(pkt):
	"""The question's name and type, or None for a malformed packet."""
	i, labels = 12, []
	while i < len(pkt):
		n = pkt[i]
		if n == 0:
			i += 1
			break
		if n & 0xC0 or i + 1 + n > len(pkt):
			return None
		labels.append(pkt[i + 1:i + 1 + n].decode("ascii", "replace"))
		i += 1 + n
	else:
		return None
	if i + 4 > len(pkt):
		return None
	return ".".join(labels), int.from_bytes(pkt[i:i + 2], "big"), i + 4


def answer(sock, pkt, addr, end):
	# Header: same id, QR=1, opcode copied, RD copied, RA=1, RCODE=3
	# (NXDOMAIN); one question (copied), no records.
	flags = 0x8000 | (pkt[2] & 0x79) << 8 | 0x0080 | 3
	resp = pkt[0:2] + flags.to_bytes(2, "big") + b"\x00\x01" + \
	    b"\x00\x00" * 3 + pkt[12:end]
	try:
		sock.sendto(resp, addr)
	except OSError:
		pass


def main():
	portfile = sys.argv[1]
	delay = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
	sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	sock.bind(("127.0.0.1", 0))
	with open(portfile + ".tmp", "w") as f:
		f.write("%d\n" % sock.getsockname()[1])
	import os
	os.rename(portfile + ".tmp", portfile)
	while True:
		pkt, addr = sock.recvfrom(4096)
		if len(pkt) < 12 or pkt[2] & 0x80:
			continue
		q = qname(pkt)
		if q is None:
			continue
		name, qtype, end = q
		print("%.3f %d %s %d" % (time.time(),
		    int.from_bytes(pkt[0:2], "big"), name, qtype), flush=True)
		t = threading.Timer(delay, answer, (sock, pkt, addr, end))
		t.daemon = True
		t.start()


if __name__ == "__main__":
	main()
