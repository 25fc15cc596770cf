#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""dkim-verify.py KEY SELECTOR DOMAIN < MESSAGE

Verify every DKIM-Signature of a message with dkimpy (Debian python3-dkim,
the library behind its dkimverify command), an implementation independent
of Vigil's, for the signing tests.  The key record of SELECTOR._domainkey.
DOMAIN is made from KEY, the PEM private key the signer used (RSA or
Ed25519), and handed to dkimpy through its dnsfunc hook, so no DNS server
is needed; any other name is not found.  Prints one line per signature
and exits 0 when there is at least one and all verify, 1 otherwise.
Run with /usr/bin/python3: a python3 elsewhere on PATH may not see
Debian's modules.
"""
import base64
import subprocess
import sys

import dkim


def record(path):
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout",
                          "-outform", "DER"],
                         check=True, capture_output=True).stdout
    kind = subprocess.run(["openssl", "pkey", "-in", path, "-noout",
                           "-text"], check=True,
                          capture_output=True).stdout
    if kind.startswith(b"ED25519"):
        # The raw 32-byte key (RFC 8463 4.2), the end of the SPKI.
        return b"v=DKIM1; k=ed25519; p=" + base64.b64encode(der[-32:])
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def main():
    key, sel, dom = sys.argv[1:4]
    name = (sel + "._domainkey." + dom + ".").encode()
    txt = record(key)

    def dnsfunc(qname, timeout=5):
        q = qname if qname.endswith(b".") else qname + b"."
        return txt if q.lower() == name.lower() else None

    msg = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n",
                                                                  b"\r\n")
    d = dkim.DKIM(msg)
    n = 0
    ok = True
    for line in msg.split(b"\r\n\r\n")[0].split(b"\r\n"):
        if line.lower().startswith(b"dkim-signature:"):
            n += 1
    for idx in range(n):
        why = ""
        try:
            good = d.verify(idx=idx, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            good, why = False, " (%s)" % e
        print("signature %d: %s%s" % (idx, "pass" if good else "fail", why))
        ok = ok and good
    if n == 0:
        print("no DKIM-Signature")
    sys.exit(0 if ok and n > 0 else 1)


if __name__ == "__main__":
    main()
