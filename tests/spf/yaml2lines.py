#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Convert the RFC 7208 SPF test suite (YAML) into the line format that
spf_suite.c reads, so the C runner needs no YAML parser:

  S =<scenario description>
  Z =<name> =<TYPE> =<data>        TYPE: A AAAA TXT SPF MX PTR CNAME TIMEOUT
  T =<test> =<host> =<helo> =<mailfrom> =<result[,result]> =<explanation>

Every field starts with '=' and has bytes outside '!'..'~' and '\\' written
as \\xHH, so empty strings, spaces and non-ASCII survive.  As the suite's
drivers do, SPF records are also served as TXT unless the name has TXT
records of its own or says "TXT: NONE"."""
import sys

import yaml


def enc(v):
    if isinstance(v, str):
        v = v.encode("utf-8")
    out = ["="]
    for b in v:
        if 0x21 <= b <= 0x7E and b != 0x5C:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def text(v):
    if isinstance(v, list):  # several strings in one record
        return "".join(v)
    return str(v)


def main(path):
    w = sys.stdout.write
    with open(path, "rb") as f:
        docs = list(yaml.safe_load_all(f))
    for doc in docs:
        if not doc:
            continue
        w("S %s\n" % enc(doc.get("description", "")))
        for name, recs in (doc.get("zonedata") or {}).items():
            spf, txt, txt_none = [], [], False
            for r in recs:
                if r == "TIMEOUT":
                    w("Z %s %s %s\n" % (enc(name), enc("TIMEOUT"), enc("")))
                    continue
                for k, v in r.items():
                    if k == "TXT" and v == "NONE":
                        txt_none = True
                        continue
                    if k == "SPF" and v == "NONE":
                        continue
                    if k == "MX":
                        data = "%d %s" % (v[0], v[1])
                    else:
                        data = text(v)
                    if k == "SPF":
                        spf.append(data)
                    if k == "TXT":
                        txt.append(data)
                    w("Z %s %s %s\n" % (enc(name), enc(k), enc(data)))
            if spf and not txt and not txt_none:
                for data in spf:
                    w("Z %s %s %s\n" % (enc(name), enc("TXT"), enc(data)))
        for tname, t in doc["tests"].items():
            res = t["result"]
            if isinstance(res, list):
                res = ",".join(res)
            w("T %s %s %s %s %s %s\n" % (enc(tname), enc(t.get("host", "")),
                enc(t.get("helo", "")), enc(t.get("mailfrom", "")),
                enc(res), enc(t.get("explanation", ""))))


if __name__ == "__main__":
    main(sys.argv[1])
