#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""dkim-sign.py KEY SELECTOR DOMAIN CANON ALG [LENGTH] < MESSAGE > SIGNED

Sign a message with dkimpy (Debian python3-dkim), an implementation
independent of Vigil's, for the DKIM tests: KEY is a PEM file (RSA) or an
Ed25519 PEM private key, CANON is e.g. relaxed/simple, ALG rsa-sha256 or
ed25519-sha256, LENGTH "l" to add l= (the body length).  Reads the message
with LF or CRLF line ends and writes it signed, CRLF line ends.
Run with /usr/bin/python3: a python3 elsewhere on PATH may not see
Debian's modules.
"""
import base64
import subprocess
import sys

import dkim


def ed25519_seed(path):
    # dkimpy takes the raw 32-byte seed in base64; the PEM is PKCS#8,
    # whose DER ends in the seed.
    der = subprocess.run(["openssl", "pkey", "-in", path, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return base64.b64encode(der[-32:])


def main():
    key, sel, dom, canon, alg = sys.argv[1:6]
    length = len(sys.argv) > 6 and sys.argv[6] == "l"
    msg = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if alg == "ed25519-sha256":
        priv = ed25519_seed(key)
    else:
        with open(key, "rb") as f:
            priv = f.read()
    h, b = canon.split("/")
    sig = dkim.sign(msg, sel.encode(), dom.encode(), priv,
                    canonicalize=(h.encode(), b.encode()),
                    signature_algorithm=alg.encode(),
                    include_headers=[b"from", b"to", b"subject", b"date",
                                     b"message-id"],
                    length=length)
    sys.stdout.buffer.write(sig + msg)


if __name__ == "__main__":
    main()
