#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""run_dns.py SUITE.yml SPF_SUITE KNOWN PORT

The RFC 7208 suite through the real DNS path: for every scenario whose
zone dnsmasq can express (yaml2lines.py decides), start dnsmasq on
127.0.0.1:PORT serving it, and run spf_suite --dns PORT --scenario K, so
every lookup goes libspf2 -> net/spf.c -> net/dns.c (c-ares) -> UDP ->
dnsmasq.  TIMEOUT entries are forwards to a socket that never answers.
Scenarios dnsmasq cannot express are left to the zone-backend run."""
import os
import socket
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))


def free_port():
    """A UDP port on 127.0.0.1 that nothing uses now."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_dnsmasq(tmp, k, port, pidfile):
    """Start dnsmasq for scenario k on port; returns the port it got.

    The port is free when chosen, but between one scenario's dnsmasq and
    the next another test running beside this one (ctest -j) may take it:
    then dnsmasq cannot bind, and the scenario goes to another free port
    (five tries)."""
    for attempt in range(5):
        rc = subprocess.run(["/usr/sbin/dnsmasq",
                             "--conf-file=" + os.path.join(
                                 tmp, "scenario-%s.conf" % k),
                             "--port=%d" % port, "--listen-address=127.0.0.1",
                             "--bind-interfaces", "--user=root",
                             "--pid-file=" + pidfile]).returncode
        if rc == 0:
            return port
        port = free_port()
    raise SystemExit("run_dns.py: dnsmasq did not start (exit %d)" % rc)


def main(suite, runner, known, port):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    tmp = tempfile.mkdtemp(prefix="vigil-spf-")
    lines = os.path.join(tmp, "suite.lines")
    with open(lines, "w") as f:
        subprocess.run([sys.executable, os.path.join(here, "yaml2lines.py"),
                        suite, tmp, str(silent.getsockname()[1])],
                       stdout=f, check=True)
    with open(os.path.join(tmp, "dns.list")) as f:
        served = f.read().split()
    failed = passed = nfail = 0
    for k in served:
        pidfile = os.path.join(tmp, "dnsmasq.pid")
        port = start_dnsmasq(tmp, k, port, pidfile)
        try:
            time.sleep(0.2)
            proc = subprocess.run([runner, "--dns", str(port), "--scenario",
                                   k, lines, known], stdout=subprocess.PIPE,
                                  text=True)
            sys.stdout.write(proc.stdout)
            failed += proc.returncode != 0
            for line in proc.stdout.splitlines():
                if line.startswith("total (dns): "):
                    f = line.split()
                    passed += int(f[2])
                    nfail += int(f[4])
        finally:
            with open(pidfile) as f:
                os.kill(int(f.read().strip()), 15)
            time.sleep(0.1)
    print("dns: %d scenarios served by dnsmasq (%s): %d passed, %d failed; "
          "%d scenarios with unexpected failures" % (
              len(served), " ".join(served), passed, nfail, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
