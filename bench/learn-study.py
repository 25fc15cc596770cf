#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""learn-study.py [-c CORPUS] [-m MODELS] [-o FILE]

A STUDY TOOL, NOT VIGIL'S IMPLEMENTATION: a Python prototype (stdlib only)
that compares candidate models for Vigil's learning classifier (issue 9) on
the split of bench/learn-accuracy.sh (per set, files in number order, the
first floor(n/2) learned, the rest scored), so that the C implementation
starts from measured choices. Its figures are comparable with that
script's bogofilter and SpamAssassin Bayes rows (same split, same metrics:
spam recall at <= 0.1 % and <= 0.5 % ham false positives, flagged =
strictly above the (k+1)-th highest ham score, and ROC AUC with ties half).

Tokens (per message, computed once):
  body    decoded text/plain and text/html parts (email package, charset
          with errors replaced; HTML: tags and comments removed crudely,
          entities unescaped), at most 64 KB a part, 3000 words a message;
          words are runs of letters, digits and $'-_ (2-24 characters),
          lower-cased; OSB pairs: each word with each of the next 4 words,
          with the distance (rspamd's window of 5)
  headers Subject words; From display-name words and address domain;
          Reply-To domain (and whether it differs from From's);
          Content-Type of the message and charsets; X-Mailer / User-Agent
          (the value with digits folded); Message-Id shape (letters -> a,
          digits -> 9, runs folded) and domain
  URIs    hosts of http(s)/ftp/www links in text and HTML, and their last
          two labels
  MIME    every part's type, attachment file name extensions, the
          multipart nesting
  No other header, except in the *-allh-* models, which add the words of
  every header but these, never read: X-Spam*, X-Virus*, X-Razor*,
  X-Pyzor*, X-DCC*, X-SpamCop*, *MailScanner*, X-Antispam*, X-Bogosity,
  X-Junk*, X-Scanned-By, X-Scanner, X-Filtered-By, X-RBL-Warning,
  X-Perlmx-Spam, SPAM, X-Keywords, X-Status, Status, X-Flags, X-UID(L),
  X-IMAPbase, X-Mozilla-Status* (filter verdicts and mailbox state, the
  list bench/learn-accuracy.sh removes; see bench/README "Learning
  accuracy").

Models (-m, comma separated; default all):
  chi-uni      Robinson-Fisher chi-square combining (as bogofilter and SA
               Bayes) on body words + the header/URI/MIME tokens above;
               Robinson's f(w) with s=1, x=0.5; tokens with |f-0.5| < 0.1
               ignored; the result (1 + H - S) / 2, ranked with ties broken
               by log Q(H) - log Q(S) (log space, so saturated scores keep
               an order)
  chi-osb      the same plus OSB word pairs
  chi-allh-osb the same tokens + OSB + words of every header except the
               verdict/mailbox ones (Received included, as bogofilter and
               SA Bayes read them), with SpamAssassin's constants (s=0.16,
               x=0.538, |f-0.5| >= 0.346, the 150 strongest tokens)
  lr-*         online logistic regression, SGD, binary features hashed
               (CRC-32) into 2^22 weights, no bias, weights start at 0,
               learning rate 0.02 (lr-allh-osb5: 0.1):
                 lr-osb        body words + OSB + header/URI/MIME tokens,
                               one pass over the interleaved stream (learned
                               ham and spam ordered by their relative
                               position in their set, as in a mailbox)
                 lr-osb-tone   the same, training only on or near errors
                               (update when y * margin < 2.5; TREC 2007)
                 lr-osb-sets   lr-osb-tone fed set after set (all ham, then
                               all spam) as `vigil learn --ham DIR; vigil
                               learn --spam DIR` would feed it
                 lr-allh-osb5  chi-allh-osb's tokens, 5 passes over the
                               interleaved stream
-o FILE writes per-message scores (model, file, class, score).
"""

import email
import email.header
import email.policy
import html
import math
import os
import re
import sys
import time
import zlib

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "shared", "corpus", "spamassassin")
SETS = [("easy_ham", "ham"), ("easy_ham_2", "ham"), ("hard_ham", "ham"),
        ("spam", "spam"), ("spam_2", "spam")]
WORD = re.compile(r"[^\W_][\w$'\-]{1,23}", re.U)
TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
URI = re.compile(r"(?:https?://|ftp://|www\.)([A-Za-z0-9.\-]+)", re.I)
ADDR = re.compile(r"@([A-Za-z0-9.\-]+)")
# Headers never read (filter verdicts, mailbox state): the list of
# bench/learn-accuracy.sh, which lib/learn/tokenize.h (EXCLUDED) keeps
# in step too.
VERDICT = re.compile(
    r"(X-Spam.*|X-Virus.*|X-Razor.*|X-Pyzor.*|X-DCC.*|X-SpamCop.*"
    r"|X-.*MailScanner.*|X-Antispam.*|X-Bogosity|X-Junk.*|X-Scanned-By"
    r"|X-Scanner|X-Filtered-By|X-RBL-Warning|X-Perlmx-Spam|SPAM|X-Keywords"
    r"|X-Status|Status|X-Flags|X-UIDL?|X-IMAPbase|X-Mozilla-Status\d*)$",
    re.I)
HWORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_$]{1,40}")
PART_BYTES = 65536
MAX_WORDS = 3000


def split(corpus):
    """learn, test: lists of (path, name, set, y) in the script's order"""
    learn, test = [], []
    for name, cls in SETS:
        d = os.path.join(corpus, cls)
        files = sorted((f for f in os.listdir(d) if f.startswith(name + ".")),
                       key=lambda f: int(f.split(".")[1]))
        half = len(files) // 2
        for i, f in enumerate(files):
            item = (os.path.join(d, f), f, name, 1 if cls == "spam" else 0,
                    i / len(files))
            (learn if i < half else test).append(item)
    return learn, test


def domain_of(value):
    m = ADDR.search(value or "")
    return m.group(1).lower().rstrip(".") if m else ""


def shape(value):
    s = re.sub(r"[A-Za-z]+", "a", value or "")
    return re.sub(r"[0-9]+", "9", s)[:40]


def text_of(part):
    try:
        raw = part.get_payload(decode=True) or b""
    except Exception:  # a broken encoding: the raw text
        raw = str(part.get_payload()).encode("latin-1", "replace")
    raw = raw[:PART_BYTES]
    cs = part.get_content_charset() or "latin-1"
    try:
        return raw.decode(cs, "replace")
    except LookupError:
        return raw.decode("latin-1", "replace")


def tokens(path):
    """(words, other): body words in order, and header/URI/MIME tokens"""
    data = open(path, "rb").read()
    if data.startswith(b"From "):
        data = data[data.find(b"\n") + 1:]
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    other = set()

    def hdr(name):
        v = msg.get(name)
        if v is None:
            return ""
        try:
            return str(email.header.make_header(
                email.header.decode_header(str(v))))
        except Exception:
            return str(v)

    for w in WORD.findall(hdr("Subject").lower()):
        other.add("s:" + w)
    frm = hdr("From")
    name = frm.split("<")[0] if "<" in frm else ""
    for w in WORD.findall(name.lower()):
        other.add("fn:" + w)
    fd = domain_of(frm)
    other.add("fd:" + fd)
    rt = hdr("Reply-To")
    if rt:
        rd = domain_of(rt)
        other.add("rt:" + rd)
        other.add("rt:same" if rd == fd else "rt:differs")
    other.add("ct:" + msg.get_content_type())
    for cs in msg.get_charsets():
        if cs:
            other.add("cs:" + cs.lower())
    xm = hdr("X-Mailer") or hdr("User-Agent")
    other.add("xm:" + re.sub(r"[0-9]+", "9", xm.lower())[:60])
    mid = hdr("Message-Id")
    other.add("mid:" + shape(mid.split("@")[0]))
    other.add("mid@" + domain_of(mid))
    allh = set()
    for k, v in msg.items():
        if VERDICT.match(k):
            continue
        k = k.lower()
        for w in HWORD.findall(str(v)[:2000]):
            allh.add("h:%s:%s" % (k, w.lower()))
    words, texts = [], []
    nest = []
    for part in msg.walk():
        ct = part.get_content_type()
        other.add("mt:" + ct)
        nest.append(ct.split("/")[1][:8] if part.is_multipart() else ct[:4])
        fn = part.get_filename()
        if fn:
            ext = fn.rsplit(".", 1)[-1].lower() if "." in fn else "none"
            other.add("att:" + ext[:10])
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        t = text_of(part)
        for h in URI.findall(t):
            h = h.lower().strip(".")
            other.add("uh:" + h)
            other.add("ud:" + ".".join(h.split(".")[-2:]))
        if ct == "text/html":
            t = html.unescape(TAG.sub(" ", t))
        texts.append(t)
    other.add("mime:" + "/".join(nest[:6]))
    for t in texts:
        for w in WORD.findall(t.lower()):
            words.append(w)
            if len(words) >= MAX_WORDS:
                break
    return words, other, allh


def osb(words):
    out = set()
    for i, w in enumerate(words):
        for d in range(1, 5):
            if i + d < len(words):
                out.add("%s %d %s" % (w, d, words[i + d]))
    return out


# --- chi-square ---------------------------------------------------------


def log_chi2q(x2, v):
    """log of the chi-square survival function Q(x2, v), v even"""
    m = x2 / 2.0
    if m <= 0:
        return 0.0
    # sum_{i<v/2} m^i/i!  (log-sum-exp)
    terms, t = [], 0.0
    lm = math.log(m)
    for i in range(v // 2):
        if i:
            t += lm - math.log(i)
        terms.append(t)
    mx = max(terms)
    s = mx + math.log(sum(math.exp(a - mx) for a in terms))
    return min(0.0, -m + s)


class Chi:
    def __init__(self, s=1.0, x=0.5, min_dev=0.1, cap=0):
        self.s, self.x, self.min_dev, self.cap = s, x, min_dev, cap
        self.n = [0, 0]
        self.c = {}

    def learn(self, feats, y):
        self.n[y] += 1
        for f in feats:
            c = self.c.get(f)
            if c is None:
                c = self.c[f] = [0, 0]
            c[y] += 1

    def score(self, feats):
        ln_p = ln_q = 0.0
        n = 0
        fs = []
        for f in feats:
            c = self.c.get(f)
            if c is None:
                continue
            ph = c[0] / max(1, self.n[0])
            ps = c[1] / max(1, self.n[1])
            p = ps / (ph + ps)
            cnt = c[0] + c[1]
            fw = (self.s * self.x + cnt * p) / (self.s + cnt)
            if abs(fw - 0.5) >= self.min_dev:
                fs.append(fw)
        if self.cap and len(fs) > self.cap:
            fs.sort(key=lambda v: -abs(v - 0.5))
            fs = fs[:self.cap]
        for fw in fs:
            ln_p += math.log(fw)
            ln_q += math.log(1.0 - fw)
            n += 1
        if n == 0:
            return (0.5, 0.0)
        lqs = log_chi2q(-2.0 * ln_q, 2 * n)  # small when spammy
        lqh = log_chi2q(-2.0 * ln_p, 2 * n)  # small when hammy
        prob = (1.0 + math.exp(lqh) - math.exp(lqs)) / 2.0
        return (prob, lqh - lqs)


# --- online logistic regression -------------------------------------------

BITS = 22
MASK = (1 << BITS) - 1


def hashed(feats):
    return [zlib.crc32(f.encode("utf-8", "replace")) & MASK for f in feats]


class LR:
    def __init__(self, rate=0.02, tone=None, norm=False):
        self.w = [0.0] * (1 << BITS)
        self.rate, self.tone, self.norm = rate, tone, norm
        self.updates = 0

    def margin(self, idx):
        w = self.w
        m = sum(w[i] for i in idx)
        return m / math.sqrt(len(idx)) if self.norm and idx else m

    def learn(self, idx, y):
        m = self.margin(idx)
        ys = 1 if y else -1
        if self.tone is not None and ys * m >= self.tone:
            return
        m = max(-30.0, min(30.0, m))
        g = (y - 1.0 / (1.0 + math.exp(-m))) * self.rate
        if self.norm and idx:
            g /= math.sqrt(len(idx))
        w = self.w
        for i in idx:
            w[i] += g
        self.updates += 1

    def score(self, idx):
        return self.margin(idx)


# --- metrics --------------------------------------------------------------


def metrics(scores):
    """scores: list of (key, y); returns R@0.1%, fp, R@0.5%, fp, AUC"""
    ham = sorted((k for k, y in scores if y == 0), reverse=True)
    spam = [k for k, y in scores if y == 1]
    out = []
    for fp in (0.001, 0.005):
        k = int(fp * len(ham) + 1e-9)
        t = ham[k]
        out.append(sum(1 for s in spam if s > t) / len(spam))
        out.append(sum(1 for h in ham if h > t))
    allv = sorted(scores)
    i, rs = 0, 0.0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        rs += (i + 1 + j) / 2.0 * sum(1 for a in allv[i:j] if a[1])
        i = j
    ns, nh = len(spam), len(ham)
    out.append((rs - ns * (ns + 1) / 2.0) / (ns * nh))
    return out


def main():
    corpus, models, outp = CORPUS, None, None
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "-c":
            corpus = args.pop(0)
        elif a == "-m":
            models = args.pop(0).split(",")
        elif a == "-o":
            outp = args.pop(0)
        else:
            sys.stderr.write(__doc__)
            sys.exit(2)
    allm = ["chi-uni", "chi-osb", "chi-allh-osb", "lr-osb", "lr-osb-tone",
            "lr-osb-sets", "lr-allh-osb5"]
    models = models or allm
    learn, test = split(corpus)
    t0 = time.process_time()
    feats = {}
    for item in learn + test:
        words, other, allh = tokens(item[0])
        feats[item[1]] = (words, other, allh)
    ttok = time.process_time() - t0
    nl = len(learn) + len(test)
    print("study: %d learned (%d spam), %d scored (%d spam); "
          "tokenising %.1f ms CPU/message (Python)" %
          (len(learn), sum(i[3] for i in learn), len(test),
           sum(i[3] for i in test), 1000.0 * ttok / nl))
    # The interleaved stream: every learned message ordered by its relative
    # position in its own set (ties: set order), so ham and spam alternate
    # as in a mailbox.
    mixed = sorted(learn, key=lambda i: (i[4], [s for s, _ in SETS].index(
        i[2])))
    out = open(outp, "w") if outp else None
    print("%-12s %7s %3s %7s %3s %8s %9s %9s  %s" %
          ("model", "R@0.1%", "fp", "R@0.5%", "fp", "AUC", "learn_s",
           "score_s", "notes"))
    for m in models:
        t0 = time.process_time()
        note = ""
        allh = "allh" in m
        if m == "chi-uni":
            use = lambda f: set(f[0]) | f[1]
        else:
            use = lambda f: set(f[0]) | f[1] | osb(f[0]) | (
                f[2] if allh else set())
        if m.startswith("chi"):
            clf = Chi(0.16, 0.538, 0.346, 150) if allh else Chi()
            for item in learn:
                clf.learn(use(feats[item[1]]), item[3])
            t1 = time.process_time()
            sc = [(clf.score(use(feats[i[1]])), i[3], i[1]) for i in test]
            note = "%d tokens" % len(clf.c)
        else:
            clf = LR(rate=0.1 if allh else 0.02,
                     tone=2.5 if m in ("lr-osb-tone", "lr-osb-sets") else None)
            stream = learn if m == "lr-osb-sets" else mixed
            x = {i[1]: hashed(use(feats[i[1]])) for i in learn + test}
            for _ in range(5 if allh else 1):
                for item in stream:
                    clf.learn(x[item[1]], item[3])
            t1 = time.process_time()
            sc = [(clf.score(x[i[1]]), i[3], i[1]) for i in test]
            note = "%d updates" % clf.updates
        t2 = time.process_time()
        r = metrics([(k, y) for k, y, _ in sc])
        print("%-12s %6.2f%% %3d %6.2f%% %3d %8.5f %9.1f %9.1f  %s" %
              (m, 100 * r[0], r[1], 100 * r[2], r[3], r[4], t1 - t0,
               t2 - t1, note))
        sys.stdout.flush()
        if out:
            for k, y, name in sc:
                out.write("%s\t%s\t%s\t%r\n" % (m, name, "spam" if y else
                                               "ham", k))
    if out:
        out.close()


if __name__ == "__main__":
    main()
