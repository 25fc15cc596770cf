#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""sa-diff.py - Vigil against SpamAssassin itself, rule by rule.

Feeds the same messages to SpamAssassin (through its Perl API, as spamd
runs it: sa-run.pl, network tests, Bayes, autolearn and the auto-welcomelist
off) and to `vigil scan --json`, both with Debian's rule set
(/usr/share/spamassassin; Vigil loads it through rules/spamassassin.rules)
and the same local.cf, and compares:

  - every rule both run (SpamAssassin gives it a non-zero score and Vigil
    runs it, `vigil rules list`) must hit the same set of messages, unless
    the exception list (sa-diff-exceptions) names it with a reason;
  - every such rule must carry the same score in both;
  - per message, Vigil's score over the rules both run (exceptions left
    out) must equal SpamAssassin's over the same rules within 0.05;

and prints the agreement per SpamAssassin rule file, the rules
SpamAssassin ran that Vigil skipped (with the messages they hit), and the
rules Vigil ran that SpamAssassin did not.

Usage:
  sa-diff.py --vigil BUILD/cli/vigil [--sample N | --all] [--local-cf FILE]
             [--exceptions FILE] [--jobs N] [-v] [MESSAGE...]

Without MESSAGE files, the messages are a fixed sample of
../shared/corpus/spamassassin (every k-th file of ham/ and of spam/,
sorted by name, N of each; --all takes every message).  Exit status 0
when everything agrees, 1 on a difference, 2 on a usage or set-up error.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus", "spamassassin")
SA_SITE = "/etc/spamassassin"
SCORE_TOLERANCE = 0.05
# Plugins Vigil implements that Debian's .pre files do not load
# (v341.pre, v342.pre: commented out).
VIGIL_EXTRA_PLUGINS = ("PDFInfo", "FromNameSpoof")
# SpamAssassin eval rules that a Vigil check (not a rule) answers, with the
# same name: SpamAssassin's welcomelists and blocklists (check_sa_wlbl.c).
# Compared like rules when SpamAssassin runs them.
CHECK_RULES = {
    "USER_IN_WELCOMELIST", "USER_IN_BLOCKLIST", "USER_IN_WELCOMELIST_TO",
    "USER_IN_BLOCKLIST_TO", "USER_IN_MORE_SPAM_TO", "USER_IN_ALL_SPAM_TO",
    "USER_IN_SPF_WELCOMELIST", "USER_IN_DKIM_WELCOMELIST",
    "USER_IN_DEF_SPF_WL", "USER_IN_DEF_DKIM_WL",
}


def vg_points(rule_score, printed):
    """What a hit added to Vigil's score: the rule's exact score, times
    its hits for a tflags multiple rule (the printed score over the
    rule's, rounded); printed when the rule has no score of its own."""
    if rule_score is None or rule_score == 0:
        return printed
    return rule_score * max(1, round(printed / rule_score))


def die(msg):
    print("sa-diff: " + msg, file=sys.stderr)
    sys.exit(2)


def sample(n_each, take_all):
    """Every k-th message of ham/ and spam/, n_each of each (sorted)."""
    out = []
    for sub in ("ham", "spam"):
        files = sorted(glob.glob(os.path.join(CORPUS, sub, "*")))
        if not files:
            die("no messages in " + os.path.join(CORPUS, sub))
        if not take_all and n_each < len(files):
            step = len(files) / n_each
            files = [files[int(i * step)] for i in range(n_each)]
        out.extend(files)
    return out


def read_exceptions(path):
    """NAME  reason... lines; # comments.  Returns {name: reason}."""
    exc = {}
    if not path:
        return exc
    with open(path, encoding="utf-8") as fp:
        for n, line in enumerate(fp, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if len(parts) < 2 or len(parts[1].strip()) < 10:
                die("%s:%d: every exception needs a reason" % (path, n))
            exc[parts[0]] = parts[1].strip()
    return exc


def prepare(files, work):
    """Copies without the mbox 'From ' line (an MTA never sends it), so
    both filters see the bytes a milter would.  Returns [(orig, copy)]."""
    out = []
    msgdir = os.path.join(work, "msg")
    os.mkdir(msgdir)
    for i, f in enumerate(files):
        with open(f, "rb") as fp:
            data = fp.read()
        if data.startswith(b"From "):
            nl = data.find(b"\n")
            data = data[nl + 1:] if nl >= 0 else b""
        dst = os.path.join(msgdir, "%05d.eml" % i)
        with open(dst, "wb") as fp:
            fp.write(data)
        out.append((f, dst))
    return out


def run_sa(site, paths, jobs):
    """sa-run.pl over paths, split into jobs processes.  Returns
    (rules, {path: result})."""
    chunks = [paths[i::jobs] for i in range(jobs)]
    procs = []
    # Which rules SpamAssassin runs depends on Perl's hash order: with
    # network tests off, 856 to 869 scored rules ran from one process to
    # the next on the same sample (2026-12-07), so two processes of one
    # run could disagree and the test passed or failed by chance.  One
    # fixed seed makes every process, and every run, the same.
    env = dict(os.environ, PERL_HASH_SEED="0", PERL_PERTURB_KEYS="0")
    for c in chunks:
        if not c:
            continue
        p = subprocess.Popen(
            ["perl", os.path.join(HERE, "sa-run.pl"), site, "-"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env)
        p.stdin.write(("\n".join(c) + "\n").encode())
        p.stdin.close()
        procs.append(p)
    rules, res = None, {}
    for p in procs:
        out = p.stdout.read().decode("utf-8", "replace")
        err = p.stderr.read().decode("utf-8", "replace")
        if p.wait() != 0:
            die("sa-run.pl failed:\n" + err[-2000:])
        lines = out.splitlines()
        if not lines:
            die("sa-run.pl printed nothing:\n" + err[-2000:])
        rules = json.loads(lines[0])["rules"]
        for line in lines[1:]:
            r = json.loads(line)
            res[r["file"]] = r
    return rules, res


def run_vigil(vigil, conf, rulesfile, paths):
    """`vigil rules list` and `vigil scan --json`.  Returns
    (rules {name: (kind, score, "file:line")}, {path: result})."""
    p = subprocess.run([vigil, "rules", "list", rulesfile],
                       capture_output=True, text=True)
    if p.returncode != 0:
        die("vigil rules list failed:\n" + p.stderr)
    rules = {}
    for line in p.stdout.splitlines():
        name, kind, score, where = line.split("\t")
        rules[name] = (kind, float(score), where)
    p = subprocess.run([vigil, "scan", "-c", conf, "--rules", rulesfile,
                        "--from-return-path", "--json"] + paths,
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        die("vigil scan failed (%d):\n%s" % (p.returncode, p.stderr[-2000:]))
    res = {}
    for line in p.stdout.splitlines():
        r = json.loads(line)
        res[r["file"]] = r
    if len(res) != len(paths):
        die("vigil scan answered for %d of %d messages:\n%s" %
            (len(res), len(paths), p.stderr[-2000:]))
    return rules, res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vigil", required=True, help="the vigil binary")
    ap.add_argument("--sample", type=int, default=60,
                    help="messages of each class (default 60)")
    ap.add_argument("--all", action="store_true", help="the whole corpus")
    ap.add_argument("--local-cf", default=os.path.join(HERE, "sa-local.cf"),
                    help="the site's local.cf, given to both")
    ap.add_argument("--exceptions",
                    default=os.path.join(HERE, "sa-diff-exceptions"))
    ap.add_argument("--jobs", type=int, default=2,
                    help="SpamAssassin processes (default 2)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="list the messages behind each difference")
    ap.add_argument("messages", nargs="*")
    a = ap.parse_args()

    if not os.path.isfile("/usr/share/spamassassin/50_scores.cf"):
        die("SpamAssassin's rules are not installed (package spamassassin)")
    exc = read_exceptions(a.exceptions)
    files = a.messages or sample(a.sample, a.all)
    work = tempfile.mkdtemp(prefix="sa-diff.")
    try:
        return compare(a, exc, files, work)
    finally:
        if a.keep:
            print("work directory kept: " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def compare(a, exc, files, work):
    pairs = prepare(files, work)
    paths = [c for _, c in pairs]
    name_of = {c: os.path.basename(o) for o, c in pairs}

    # SpamAssassin's site directory: the plugins Debian loads (*.pre) and
    # the site's local.cf.
    site = os.path.join(work, "site")
    os.mkdir(site)
    for pre in glob.glob(os.path.join(SA_SITE, "*.pre")):
        shutil.copy(pre, site)
    shutil.copy(a.local_cf, os.path.join(site, "local.cf"))
    # Vigil takes the "ifplugin" blocks of every plugin it implements;
    # Debian's .pre files leave these out (commented), so SpamAssassin
    # loads them here too and their rules are compared, not skipped.
    with open(os.path.join(site, "zz-vigil.pre"), "w") as fp:
        for plugin in VIGIL_EXTRA_PLUGINS:
            fp.write("loadplugin Mail::SpamAssassin::Plugin::%s\n" % plugin)
    # Vigil: Debian's rules and the same local.cf, with one include each.
    rulesfile = os.path.join(work, "vigil.rules")
    with open(rulesfile, "w") as fp:
        fp.write("include %s\nvigil_compat spamassassin\ninclude %s\n" %
                 (os.path.join(ROOT, "rules", "spamassassin.rules"),
                  os.path.join(site, "local.cf")))
    conf = os.path.join(work, "vigil.conf")
    with open(conf, "w") as fp:
        # The checks that ask DNS are off: SpamAssassin runs no network
        # test either, and their symbols are not SpamAssassin rules.
        fp.write("sa_update_dir =\nvirus_scan = no\ndkim = no\narc = no\n"
                 "dmarc = no\n"
                 "dns_servers = 127.0.0.1:9\ndns_timeout = 100ms\n"
                 "dns_deadline = 200ms\n")

    sa_rules, sa = run_sa(site, paths, max(1, a.jobs))
    vg_rules, vg = run_vigil(a.vigil, conf, rulesfile, paths)

    # The rules both run: SpamAssassin runs it (a non-zero score) and
    # Vigil runs the same definition (the same file and line: a rule a
    # SpamAssassin plugin redefines inside "ifplugin", or one whose "if
    # !plugin(...)" fallback Vigil takes, is a different rule), and so do
    # all the rules a meta is built on.  Sub-rules are not compared
    # directly (Vigil does not list them); the metas built on them are.
    runs = {n for n, r in sa_rules.items() if r["runs"]}
    for n in CHECK_RULES:
        if n in runs and n not in vg_rules:
            # Answered by a check: same definition by construction; its
            # score is what the check gives (JSON), checked per message.
            vg_rules[n] = ("check", None, sa_rules[n]["where"])
    other_def = {n for n in runs if n in vg_rules and
                 sa_rules[n]["where"] and
                 sa_rules[n]["where"] != vg_rules[n][2]}
    tainted = set(other_def)
    changed = True
    while changed:
        changed = False
        for n, r in sa_rules.items():
            if n not in tainted and any(d in tainted for d in r["deps"]):
                tainted.add(n)
                changed = True
    both = sorted(n for n in runs if not n.startswith("__") and
                  n in vg_rules and n not in tainted)
    differ_def = sorted(n for n in runs if not n.startswith("__") and
                        n in vg_rules and n in tainted)
    sa_only = sorted(n for n in runs
                     if not n.startswith("__") and n not in vg_rules)
    vg_only = sorted(n for n, r in vg_rules.items()
                     if not n.startswith("__") and r[1] != 0 and
                     r[1] is not None and n not in runs)

    sa_hits = {n: set() for n in runs}
    vg_hits = {}
    for p in paths:
        for n in sa[p]["tests"]:
            sa_hits.setdefault(n, set()).add(p)
        for s in vg[p]["symbols"]:
            vg_hits.setdefault(s["name"], set()).add(p)

    failures = 0
    bad_rules = []
    for n in both:
        h1, h2 = sa_hits.get(n, set()), vg_hits.get(n, set())
        if h1 != h2:
            bad_rules.append((n, h1 - h2, h2 - h1))
    bad_scores = [(n, sa_rules[n]["score"], vg_rules[n][1]) for n in both
                  if vg_rules[n][1] is not None and
                  abs(sa_rules[n]["score"] - vg_rules[n][1]) > 0.0005]
    # A symbol's printed score (two decimals) is its rule's score.
    for p in paths:
        for s in vg[p]["symbols"]:
            r = vg_rules.get(s["name"])
            if r is None:
                continue
            want = r[1] if r[1] is not None else \
                sa_rules[s["name"]]["score"]
            # A tflags multiple rule: its score times its hits, as
            # SpamAssassin reports it for this message (sa-run.pl).
            if s["name"] in sa[p]["tests"] and abs(want) > 0:
                n = round(sa[p]["tests"][s["name"]] / want)
                if n > 1:
                    want *= n
            if abs(want - s["score"]) > 0.0051:
                bad_scores.append((s["name"], want, s["score"]))

    counted = [n for n in both if n not in exc]
    bad_msgs = []
    for p in paths:
        s1 = sum(sa[p]["tests"].get(n, 0) for n in counted)
        vs = {x["name"]: x["score"] for x in vg[p]["symbols"]}
        s2 = sum(vg_points(vg_rules[n][1], vs[n])
                 for n in counted if p in vg_hits.get(n, ()))
        if abs(s1 - s2) > SCORE_TOLERANCE:
            bad_msgs.append((p, s1, s2))

    # required_score from local.cf is Vigil's tag threshold too.
    bad_required = sorted({(sa[p]["required"], vg[p]["required"])
                           for p in paths
                           if abs(sa[p]["required"] - vg[p]["required"])
                           > 0.05})

    # Report.
    nham = sum(1 for o, _ in pairs if "/ham/" in o)
    print("sa-diff: %d messages (%d ham, %d spam); SpamAssassin %s" %
          (len(paths), nham, len(paths) - nham, sa_version()))
    print("rules SpamAssassin runs (scored): %d; Vigil runs (scored): %d; "
          "both: %d" % (
              sum(1 for n in runs if not n.startswith("__")),
              sum(1 for n, r in vg_rules.items()
                  if not n.startswith("__") and r[1] != 0 and
                  r[1] is not None), len(both)))
    print("not compared, defined otherwise in Vigil or built on such a "
          "rule: %d (%s)" % (len(differ_def), ", ".join(
              "%s(%d)" % (n, len(sa_hits.get(n, ()))) if sa_hits.get(n)
              else n for n in differ_def)))
    by_file = {}
    bad_set = {b[0] for b in bad_rules}
    for n in both:
        f = os.path.basename(sa_rules[n]["file"] or "?")
        e = by_file.setdefault(f, [0, 0, 0, 0, 0])
        e[0] += 1
        if n in bad_set and n not in exc:
            e[2] += 1
        elif n in bad_set:
            e[3] += 1
        else:
            e[1] += 1
        if sa_hits.get(n):
            e[4] += 1
    print("\nper SpamAssassin rule file: rules compared, agree, differ, "
          "differ (excepted), hit in sample")
    for f in sorted(by_file):
        e = by_file[f]
        print("  %-34s %5d %5d %5d %5d %5d" % (f, *e))
    tot = [sum(e[i] for e in by_file.values()) for i in range(5)]
    print("  %-34s %5d %5d %5d %5d %5d" % ("total", *tot))
    hits_total = sum(len(sa_hits.get(n, ())) for n in both)
    print("rule hits compared: %d (SpamAssassin) / %d (Vigil)" %
          (hits_total, sum(len(vg_hits.get(n, ())) for n in both)))
    if tot[0]:
        print("agreement: %.1f %% of the rules both run hit the same "
              "messages" % (100.0 * tot[1] / tot[0]))

    skipped_hit = [(len(sa_hits.get(n, ())), n) for n in sa_only
                   if sa_hits.get(n)]
    skipped_hit.sort(key=lambda t: (-t[0], t[1]))
    kinds = {}
    for n in sa_only:
        r = sa_rules[n]
        k = ("eval " if r["eval"] else "") + r["type"]
        kinds[k] = kinds.get(k, 0) + 1
    print("\nrules SpamAssassin ran that Vigil skipped: %d (%s); %d hit "
          "in the sample:" % (len(sa_only), ", ".join(
              "%s %d" % kv for kv in sorted(kinds.items())),
              len(skipped_hit)))
    for c, n in skipped_hit:
        r = sa_rules[n]
        print("  %-30s %4d msgs  %s%s  %s" % (
            n, c, "eval " if r["eval"] else "", r["type"],
            os.path.basename(r["file"])))
    vg_only_hit = [n for n in vg_only if vg_hits.get(n)]
    print("\nscored rules Vigil ran that SpamAssassin did not: %d; hit in "
          "the sample: %s" % (len(vg_only), " ".join(
              "%s(%d)" % (n, len(vg_hits[n])) for n in vg_only_hit)
              or "none"))

    unexcepted = [b for b in bad_rules if b[0] not in exc]
    if bad_rules:
        print("\nrules that hit different messages:")
        for n, only_sa, only_vg in bad_rules:
            print("  %-30s SpamAssassin only %d, Vigil only %d%s" % (
                n, len(only_sa), len(only_vg),
                "  (exception: %s)" % exc[n] if n in exc else "  FAIL"))
            if a.verbose:
                for p in sorted(only_sa):
                    print("      SA only:    " + name_of[p])
                for p in sorted(only_vg):
                    print("      Vigil only: " + name_of[p])
    unused = sorted(n for n in exc if n not in bad_set)
    if unused:
        print("\nexceptions that agree on this sample: " + " ".join(unused))
    if bad_scores:
        print("\nrules with different scores:")
        for n, s1, s2 in bad_scores:
            print("  %-30s SpamAssassin %g  Vigil %g  FAIL" % (n, s1, s2))
    print("\nmessages whose score over the rules both run differs by more "
          "than %.2f: %d" % (SCORE_TOLERANCE, len(bad_msgs)))
    for p, s1, s2 in bad_msgs:
        print("  %s  SpamAssassin %.3f  Vigil %.3f  FAIL" % (
            name_of[p], s1, s2))
    for s1, s2 in bad_required:
        print("required_score: SpamAssassin %g  Vigil %g  FAIL" % (s1, s2))
    failures = (len(unexcepted) + len(bad_scores) + len(bad_msgs) +
                len(bad_required))
    print("\nsa-diff: %s" % ("PASS" if failures == 0 else
                              "FAIL (%d differences)" % failures))
    return 0 if failures == 0 else 1


def sa_version():
    try:
        p = subprocess.run(["spamassassin", "-V"], capture_output=True,
                           text=True)
        return p.stdout.split()[2]
    except (OSError, IndexError):
        return "?"


if __name__ == "__main__":
    sys.exit(main())
