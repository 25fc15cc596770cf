#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""rule-fit.py - which of Vigil's own rules earn their place next to
SpamAssassin's, and what they should score (issue 10).

usage: bench/rule-fit.py [-b BUILD] [-k DIR] [--own FILE] [--base FILE]
                         [--corpus DIR] [--fit-on even|odd] [--ham-cost K]
                         [--l2 L] [--max-score M] [--max-ham-score H]
                         [--min-share S] [--min-ratio R] [-o FILE]

Runs tests/accuracy's vg_accuracy (the score stage's decode, rules and
metas, no network) over ../shared/corpus/spamassassin twice per half: once
with the base rules (default rules/spamassassin.rules: Debian's
SpamAssassin rules through vigil_compat) and once with Vigil's own rules
(default rules/vigil.rules), each alone, so that rule names the two files
share do not collide; the halves are vg_accuracy's (VG_ACCURACY_HALF: a
file's number even or odd).  Then:

1. Per own scoring rule, its spam and ham hits on each half.  A rule earns
   its place when, on BOTH halves, it hits at least --min-share (default
   0.5 %) of the spam and its spam share is at least --min-ratio (default
   4) times its ham share (a rule with a negative score: the same with ham
   and spam swapped).  Which half a rule was written on does not matter:
   it must hold on both.
2. The kept own rules' scores are fitted on one half (--fit-on, default
   even) together with the base rules, whose scores stay as SpamAssassin's
   mass-checks set them: a logistic model
       P(spam) = sigmoid(base_score + sum(own_score_i * hit_i) - required)
   one point of score is one unit of log-odds, required is the rules'
   required_score, so the fitted scores mean what Vigil's threshold means.
   Ham errors cost --ham-cost (default 10) times spam errors (a false
   positive is worse than a miss), L2 penalty --l2 (default 1) on the own
   scores keeps a rule that hits a handful of messages from a large score,
   each score keeps its sign (a spam sign never becomes a ham sign), no
   rule scores more than --max-score (default 3.5: no one rule of Vigil's
   decides alone) and no ham sign less than -(--max-ham-score) (default 1:
   what makes mail look like ham is cheap for a spammer to copy, such as
   an In-Reply-To field, however well it separates an old corpus).
   Fitted by projected gradient descent (no numpy on a stock Debian).
3. Judged on the other half: spam recall and ham false positives at
   required_score for base alone, base + own rules at their current
   scores, and base + kept own rules at the fitted scores.

Prints the table of own rules (hits per half, kept or why not, current and
fitted score); -o FILE also writes `score NAME VALUE` lines for the kept
rules, each with a comment giving its hit counts, to paste into a rules
file.  Figures depend on which base rules Vigil can run: rerun it when
that changes.
"""
import argparse
import math
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULE_RE = re.compile(r"^\s*(header|body|rawbody|uri|full|meta|mimeheader)"
                     r"\s+([A-Za-z0-9_]+)\s")
SCORE_RE = re.compile(r"^\s*score\s+([A-Za-z0-9_]+)\s+(-?[0-9.]+)")


def run_accuracy(build, rules, corpus, half, reuse):
    """vg_accuracy over both classes of one half: ({path: (label, set of
    symbols)}, {rule: score}, required_score); reuse: a file holding the
    output of an earlier run to read instead, or to write"""
    if reuse and os.path.exists(reuse):
        with open(reuse, encoding="utf-8") as fh:
            out = fh.read()
    else:
        env = dict(os.environ, VG_ACCURACY_HALF=half,
                   VG_ACCURACY_VERBOSE="1")
        exe = os.path.join(build, "tests", "accuracy", "vg_accuracy")
        out = subprocess.run(
            [exe, rules, os.path.join(corpus, "ham"),
             os.path.join(corpus, "spam")],
            env=env, check=True, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True).stdout
        if reuse:
            with open(reuse, "w", encoding="utf-8") as fh:
                fh.write(out)
    msgs, scores, required = {}, {}, 5.0
    in_table = False
    for line in out.splitlines():
        f = line.split()
        if line.startswith("required_score"):
            required = float(f[1])
        elif line.startswith("rule ") and f[1:] == ["score", "ham", "spam"]:
            in_table = True
        elif in_table and len(f) == 4:
            scores[f[0]] = float(f[1])
        elif len(f) >= 2 and re.match(r"^-?[0-9]+\.[0-9]+$", f[0]):
            label = "spam" if "/spam/" in f[1] else "ham"
            msgs[f[1]] = (label, set(f[2:]))
    return msgs, scores, required


def own_rules(path):
    """the scoring rules a rules file defines (not __ sub-rules), with the
    scores it sets"""
    names, scores = [], {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            m = RULE_RE.match(line)
            if m and not m.group(2).startswith("__"):
                names.append(m.group(2))
            m = SCORE_RE.match(line)
            if m:
                scores[m.group(1)] = float(m.group(2))
    return names, scores


def hits(msgs, rule):
    """(spam hits, ham hits) of rule"""
    s = h = 0
    for label, syms in msgs.values():
        if rule in syms:
            if label == "spam":
                s += 1
            else:
                h += 1
    return s, h


def counts(msgs):
    s = sum(1 for lab, _ in msgs.values() if lab == "spam")
    return s, len(msgs) - s


def earns(sh, hh, ns, nh, sign, min_share, min_ratio):
    """why a rule does not earn its place on one half, or None"""
    ss, hs = sh / max(ns, 1), hh / max(nh, 1)
    if sign < 0:
        ss, hs = hs, ss
    if ss < min_share:
        return "hits %.2f %% of %s" % (100 * ss, "spam" if sign > 0 else "ham")
    if hs > 0 and ss / hs < min_ratio:
        return "ratio %.1f" % (ss / hs)
    return None


def fit(rows, kept, signs, required, ham_cost, l2, cap, ham_cap, steps=400,
        rate=0.3):
    """the own rules' scores minimising the weighted logistic loss summed
    over rows, plus l2/2 * score^2 each (a Gaussian prior: a rule needs
    evidence from many messages to move far from 0); Adagrad steps,
    projected so each score keeps its sign and stays within its cap.  rows: (label, base score,
    kept own rules hit)"""
    w = {r: 0.0 for r in kept}
    acc = {r: 1e-8 for r in kept}
    for _ in range(steps):
        g = {r: l2 * w[r] for r in kept}
        for lab, base, own in rows:
            z = base - required + sum(w[r] for r in own)
            p = 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))
            d = (p - 1.0) if lab == "spam" else ham_cost * p
            for r in own:
                g[r] += d
        for r in kept:
            acc[r] += g[r] * g[r]
            w[r] -= rate * g[r] / math.sqrt(acc[r])
            if signs[r] > 0:
                w[r] = min(max(w[r], 0.0), cap)
            else:
                w[r] = max(min(w[r], 0.0), -ham_cap)
    return w


def judge(msgs, base_scores, own_scores, required):
    """(recall %, ham false positives %) at required_score"""
    ns, nh = counts(msgs)
    ts = th = 0
    for path, (lab, syms) in msgs.items():
        total = base_scores.get(path, 0.0)
        total += sum(own_scores.get(r, 0.0) for r in syms)
        if total >= required:
            if lab == "spam":
                ts += 1
            else:
                th += 1
    return 100.0 * ts / max(ns, 1), 100.0 * th / max(nh, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-b", "--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--own", default=os.path.join(ROOT, "rules", "vigil.rules"))
    ap.add_argument("--base",
                    default=os.path.join(ROOT, "rules", "spamassassin.rules"))
    ap.add_argument("--corpus", default=os.path.join(
        ROOT, "..", "shared", "corpus", "spamassassin"))
    ap.add_argument("--fit-on", choices=("even", "odd"), default="even")
    ap.add_argument("--ham-cost", type=float, default=10.0)
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--max-score", type=float, default=3.5)
    ap.add_argument("--max-ham-score", type=float, default=1.0)
    ap.add_argument("--min-share", type=float, default=0.005)
    ap.add_argument("--min-ratio", type=float, default=4.0)
    ap.add_argument("-o", "--output")
    ap.add_argument("-k", "--keep", metavar="DIR",
                    help="keep vg_accuracy's outputs in DIR and reuse them "
                    "when they are there (to try other fit options)")
    a = ap.parse_args()

    subprocess.run(["make", "-C", a.build, "vg_accuracy"], check=True,
                   stdout=subprocess.DEVNULL)
    if a.keep:
        os.makedirs(a.keep, exist_ok=True)
    names, declared = own_rules(a.own)
    halves = {}
    for half in ("even", "odd"):
        keep = (lambda which: os.path.join(a.keep, "%s-%s.out" % (which, half))
                if a.keep else None)
        base, base_rule_scores, required = run_accuracy(
            a.build, a.base, a.corpus, half, keep("base"))
        own, own_rule_scores, _ = run_accuracy(
            a.build, a.own, a.corpus, half, keep("own"))
        base_total = {p: sum(base_rule_scores.get(r, 0.0) for r in syms)
                      for p, (_, syms) in base.items()}
        halves[half] = (own, base_total, own_rule_scores, required)
    fit_half = a.fit_on
    judge_half = "odd" if fit_half == "even" else "even"

    current = dict(halves["even"][2])
    current.update(halves["odd"][2])
    rows, kept, signs, why = [], [], {}, {}
    for r in names:
        score = current.get(r, declared.get(r, 1.0))
        signs[r] = -1 if score < 0 else 1
        reasons = []
        for half in ("even", "odd"):
            msgs = halves[half][0]
            ns, nh = counts(msgs)
            sh, hh = hits(msgs, r)
            reason = earns(sh, hh, ns, nh, signs[r], a.min_share, a.min_ratio)
            if reason:
                reasons.append("%s: %s" % (half, reason))
        if reasons:
            why[r] = "; ".join(reasons)
        else:
            kept.append(r)
    own, base_total, _, required = halves[fit_half]
    for p, (lab, syms) in own.items():
        rows.append((lab, base_total.get(p, 0.0), [r for r in kept if r in syms]))
    fitted = fit(rows, kept, signs, required, a.ham_cost, a.l2, a.max_score,
                 a.max_ham_score)

    print("%-28s %6s %6s  %-19s %-19s %s" % (
        "own rule", "score", "fitted", "even spam/ham", "odd spam/ham",
        "kept, or why not"))
    lines = []
    for r in names:
        cells = []
        for half in ("even", "odd"):
            msgs = halves[half][0]
            ns, nh = counts(msgs)
            sh, hh = hits(msgs, r)
            cells.append("%4d/%-4d %4d/%-4d" % (sh, ns, hh, nh))
        f = "%6.2f" % fitted[r] if r in fitted else "     -"
        print("%-28s %6.2f %s  %s %s %s" % (r, current.get(r, 0.0), f,
              cells[0], cells[1], "kept" if r in fitted else why[r]))
        if r in fitted:
            lines.append("# %s: spam/ham hits even %s, odd %s\nscore %s %.2f\n"
                         % (r, cells[0].split()[0] + " " + cells[0].split()[1],
                            cells[1].split()[0] + " " + cells[1].split()[1],
                            r, fitted[r]))
    own_j, base_j, _, req_j = halves[judge_half]
    print("\njudged on the %s half (fitted on the %s half), required_score "
          "%.1f:" % (judge_half, fit_half, req_j))
    for label, scores in (
            ("base rules alone", {}),
            ("base + own rules, current scores", current),
            ("base + kept own rules, fitted scores", fitted)):
        rec, fp = judge(own_j, base_j, scores, req_j)
        print("  %-40s spam recall %6.2f %%  ham flagged %5.2f %%"
              % (label, rec, fp))
    if a.output:
        with open(a.output, "w", encoding="utf-8") as fh:
            fh.write("# bench/rule-fit.py --fit-on %s --ham-cost %g --l2 %g\n"
                     % (fit_half, a.ham_cost, a.l2))
            fh.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
