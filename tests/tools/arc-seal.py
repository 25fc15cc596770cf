#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""arc-seal.py KEY SELECTOR DOMAIN RESULTS < MESSAGE > SEALED

ARC-seal a message with dkimpy (Debian python3-dkim, with python3-authres),
an implementation independent of Vigil's, for the ARC tests, as a mailing
list or forwarder at DOMAIN would: RESULTS is what its own verification
said ("dkim=pass header.d=example.com", with "arc=pass" when the message
came sealed already), written as its Authentication-Results; dkimpy copies
it into ARC-Authentication-Results and takes cv= from its arc= result.
KEY is an RSA PEM private key.  Reads LF or CRLF line ends, writes the new
ARC set on top of the message, CRLF line ends.  Run with /usr/bin/python3.
"""
import sys

import dkim


def main():
    key, sel, dom, results = sys.argv[1:5]
    msg = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    ar = b"Authentication-Results: " + dom.encode() + b"; " + \
        results.encode() + b"\r\n"
    with open(key, "rb") as f:
        priv = f.read()
    sealed = dkim.arc_sign(ar + msg, sel.encode(), dom.encode(), priv,
                           dom.encode(),
                           include_headers=[b"from", b"to", b"subject",
                                            b"date", b"message-id"])
    if not sealed:
        sys.exit("arc-seal.py: dkimpy made no ARC set")
    sys.stdout.buffer.write(b"".join(sealed) + msg)


if __name__ == "__main__":
    main()
