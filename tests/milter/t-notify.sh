#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Type=notify: a second vigil-milter, on a socket of its own, tells a
# listener standing in for systemd READY=1 only once its socket accepts
# connections, RELOADING=1 and READY=1 around a SIGHUP, STOPPING=1 on
# SIGTERM (notify.py).
set -u
t=$VG_TMP/notify
mkdir -p "$t"
sed "s|^socket = .*|socket = unix:$t/m.sock|" "$VG_CONF" >"$t/vigil.conf"
exec /usr/bin/python3 "$(dirname "$0")/notify.py" \
    "$VG_BUILD/milter/vigil-milter" "$t/vigil.conf" "$t/m.sock" "$t"
