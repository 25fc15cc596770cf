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
records of its own or says "TXT: NONE".

With arguments DIR and PORT, also writes DIR/scenario-K.conf, a dnsmasq
configuration serving scenario K's zone (K counts from 0), for every
scenario whose zone dnsmasq can express (names of letters, digits, '.',
'-' and '_' only; TIMEOUT becomes a forward to 127.0.0.1#PORT, where the
caller keeps a socket that never answers); the list of such K goes to
DIR/dns.list."""
import os
import re
import sys

import yaml

NAME_OK = re.compile(r"^[A-Za-z0-9._-]+$")


def wire_txt(data):
    """TXT RDATA: the text in strings of at most 255 bytes, as hex."""
    b = data.encode("utf-8")
    out = b""
    for i in range(0, max(len(b), 1), 255):
        chunk = b[i:i + 255]
        out += bytes([len(chunk)]) + chunk
    return out.hex()


def dnsmasq_conf(zone, silent):
    """A dnsmasq configuration for one scenario, or None.  TIMEOUT is a
    forward to 127.0.0.1#silent, where nothing ever answers."""
    # local=/#/: every name not configured is NXDOMAIN, as the suite
    # assumes.
    lines = ["no-resolv", "no-hosts", "no-negcache", "local-ttl=1",
             "local=/#/"]
    timeouts = [n.rstrip(".").lower() for n, recs in zone.items()
                if any(kind == "TIMEOUT" for kind, _ in recs)]
    # A forward covers the name's whole subtree; the suite's TIMEOUT is
    # for the name alone.  Names below a TIMEOUT name: not expressible.
    for name in zone:
        for t in timeouts:
            if name.rstrip(".").lower().endswith("." + t):
                return None
    for name, recs in zone.items():
        if not NAME_OK.match(name):
            return None
        for kind, data in recs:
            n = name.rstrip(".")
            if kind == "TIMEOUT":
                lines.append("server=/%s/127.0.0.1#%d" % (n, silent))
                continue
            if kind == "A":
                lines.append("dns-rr=%s,1,%s" % (n, bytes(
                    int(x) for x in data.split(".")).hex()))
            elif kind == "AAAA":
                import ipaddress
                lines.append("dns-rr=%s,28,%s" % (
                    n, ipaddress.IPv6Address(data).packed.hex()))
            elif kind in ("TXT", "SPF"):
                lines.append("dns-rr=%s,%d,%s" % (
                    n, 16 if kind == "TXT" else 99, wire_txt(data)))
            elif kind == "MX":
                pref, host = data.split(" ", 1)
                if not NAME_OK.match(host):
                    return None
                lines.append("mx-host=%s,%s,%s" % (n, host.rstrip("."),
                                                   pref))
            elif kind == "PTR":
                if not NAME_OK.match(data):
                    return None
                lines.append("ptr-record=%s,%s" % (n, data.rstrip(".")))
            elif kind == "CNAME":
                if not NAME_OK.match(data):
                    return None
                lines.append("cname=%s,%s" % (n, data.rstrip(".")))
    # dnsmasq refuses a configuration with a CNAME loop.
    cnames = {n.rstrip(".").lower(): d.rstrip(".").lower()
              for n, recs in zone.items() for kind, d in recs
              if kind == "CNAME"}
    for start in cnames:
        seen, cur = set(), start
        while cur in cnames:
            if cur in seen:
                return None
            seen.add(cur)
            cur = cnames[cur]
    return "\n".join(lines) + "\n"


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


def main(path, dnsdir=None, silent=0):
    w = sys.stdout.write
    with open(path, "rb") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    served = []
    for idx, doc in enumerate(docs):
        zone = {}
        w("S %s\n" % enc(doc.get("description", "")))
        for name, recs in (doc.get("zonedata") or {}).items():
            spf, txt, txt_none = [], [], False
            zone.setdefault(name, [])
            for r in recs:
                if r == "TIMEOUT":
                    zone[name].append(("TIMEOUT", ""))
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
                    zone[name].append((k, data))
                    w("Z %s %s %s\n" % (enc(name), enc(k), enc(data)))
            if spf and not txt and not txt_none:
                for data in spf:
                    zone[name].append(("TXT", data))
                    w("Z %s %s %s\n" % (enc(name), enc("TXT"), enc(data)))
        for tname, t in doc["tests"].items():
            res = t["result"]
            if isinstance(res, list):
                res = ",".join(res)
            w("T %s %s %s %s %s %s\n" % (enc(tname), enc(t.get("host", "")),
                enc(t.get("helo", "")), enc(t.get("mailfrom", "")),
                enc(res), enc(t.get("explanation", ""))))
        if dnsdir is not None:
            conf = dnsmasq_conf(zone, silent)
            if conf is not None:
                with open(os.path.join(dnsdir, "scenario-%d.conf" % idx),
                          "w") as f:
                    f.write(conf)
                served.append(str(idx))
    if dnsdir is not None:
        with open(os.path.join(dnsdir, "dns.list"), "w") as f:
            f.write(" ".join(served) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None,
         int(sys.argv[3]) if len(sys.argv) > 3 else 0)
