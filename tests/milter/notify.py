#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""notify.py MILTER CONF SOCK TMP - systemd's side of Type=notify.

Listens on a unix datagram socket as systemd does ($NOTIFY_SOCKET), starts
MILTER -f -c CONF with it, and checks: READY=1 arrives, and when it does
the milter socket SOCK already accepts connections; SIGHUP gives
RELOADING=1 then READY=1; SIGTERM gives STOPPING=1.  Exit 0 or 1.
(A test listener instead of systemd: there is no systemd here.)
"""
import os
import signal
import socket
import subprocess
import sys
import time

milter, conf, sock, tmp = sys.argv[1:5]
path = os.path.join(tmp, "notify.sock")
ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
ns.bind(path)
ns.settimeout(0.05)
log = open(os.path.join(tmp, "notify-milter.log"), "w")
env = dict(os.environ, NOTIFY_SOCKET=path)
proc = subprocess.Popen([milter, "-f", "-c", conf], env=env,
                        stdout=log, stderr=subprocess.STDOUT)
fails = []


def accepts():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sock)
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_for(state, limit=30.0):
    """The datagrams up to one with the line state; None on time-out."""
    got = []
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            msg = ns.recv(4096).decode()
        except socket.timeout:
            if proc.poll() is not None:
                break
            continue
        got.append(msg)
        if state in msg.split("\n"):
            return got
    return None


got = wait_for("READY=1")
if got is None:
    fails.append("no READY=1 within 30 s")
elif not accepts():
    fails.append("READY=1 came before the milter socket accepted connections")
if not fails:
    proc.send_signal(signal.SIGHUP)
    got = wait_for("RELOADING=1")
    if got is None:
        fails.append("SIGHUP: no RELOADING=1")
    elif wait_for("READY=1") is None:
        fails.append("SIGHUP: no READY=1 after RELOADING=1")
    proc.send_signal(signal.SIGTERM)
    if wait_for("STOPPING=1") is None:
        fails.append("SIGTERM: no STOPPING=1")
else:
    proc.send_signal(signal.SIGTERM)
try:
    rc = proc.wait(timeout=30)
    if rc != 0:
        fails.append("exit %d after SIGTERM" % rc)
except subprocess.TimeoutExpired:
    proc.kill()
    fails.append("did not stop on SIGTERM")
log.close()
for f in fails:
    print("FAIL t-notify: " + f)
if fails:
    print(open(os.path.join(tmp, "notify-milter.log")).read())
    sys.exit(1)
print("t-notify: all checks passed")
