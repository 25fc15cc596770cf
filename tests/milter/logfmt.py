#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""logfmt.py LOG [--journal] - check t-logline.lua's summary lines.

A strict logfmt parser (key=value, a value bare or in double quotes with
backslash escapes; a key may not repeat) reads the line of each message
LOG1..LOG5 that vigil-milter -f wrote and checks its priority, its fields
and their values.  Exit 0, or 1 with the reasons.
"""
import re
import sys

ESC = {'"': '"', '\\': '\\', 'n': '\n', 'r': '\r', 't': '\t'}


def parse(text):
    """key=value pairs of text as a dict; ValueError when not logfmt or
    when a key repeats"""
    out, i, n = {}, 0, len(text)
    while i < n:
        if text[i] == ' ':
            i += 1
            continue
        m = re.compile(r'[A-Za-z_][A-Za-z0-9_]*=').match(text, i)
        if not m:
            raise ValueError('no key at %r' % text[i:i + 30])
        key, i = m.group()[:-1], m.end()
        if i < n and text[i] == '"':
            i, val = i + 1, []
            while True:
                if i >= n:
                    raise ValueError('unterminated value of ' + key)
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == '\\':
                    e = text[i + 1:i + 2]
                    if e == 'x':
                        val.append(chr(int(text[i + 2:i + 4], 16)))
                        i += 4
                        continue
                    if e not in ESC:
                        raise ValueError('bad escape in ' + key)
                    val.append(ESC[e])
                    i += 2
                    continue
                val.append(c)
                i += 1
            value = ''.join(val)
            if i < n and text[i] != ' ':
                raise ValueError('text after the quotes of ' + key)
        else:
            j = text.find(' ', i)
            j = n if j < 0 else j
            value = text[i:j]
            if value == '' or '"' in value or '=' in value:
                raise ValueError('bad bare value of %s: %r' % (key, value))
            i = j
        if key in out:
            raise ValueError('key %s twice' % key)
        out[key] = value
    return out


def main():
    path, journal = sys.argv[1], '--journal' in sys.argv[2:]
    lines = {}
    pat = re.compile(
        r'^(<(\d)>)?vigil-milter\[\d+\]: (\w+): (LOG\d): (client=.*)$')
    with open(path, encoding='utf-8', errors='replace') as f:
        for raw in f:
            m = pat.match(raw.rstrip('\n'))
            if m:
                if m.group(4) in lines:
                    print('FAIL: two lines for ' + m.group(4))
                    return 1
                lines[m.group(4)] = m
    always = ['client', 'from', 'nrcpt', 'rcpt', 'helo', 'size', 'direction',
              'virus', 'score', 'required', 'tests', 'spf', 'action', 'ms',
              'total']
    want = {
        'LOG1': ('info', 6, {'action': 'accept', 'virus': 'none',
                             'direction': 'inbound', 'nrcpt': '1',
                             'rcpt': 'rcpt@example.org',
                             'client': 'client.example[192.0.2.1]',
                             'helo': 'client.example',
                             'from': '<sender@example.com>'}),
        'LOG2': ('warning', 4, {'action': 'reject',
                                'virus': 'Eicar-Test-Signature.UNOFFICIAL',
                                'reply': None}),
        'LOG3': ('info', 6, {'action': 'tag', 'tests': None,
                             'score': '9.1', 'required': '5.0'}),
        'LOG4': ('notice', 5, {'action': 'reject', 'nrcpt': '3',
                               'rcpt': 'one@example.org,two@example.org,'
                                       'three@example.net',
                               'from': '<"a \\"b\\" c=d X-Evil: 1"'
                                       '@example.com>',
                               'reason': None}),
        'LOG5': ('warning', 4, {'direction': 'outbound',
                                'client': 'client.example[127.0.0.1]',
                                'spf': 'unchecked', 'reason': None}),
    }
    bad = []
    for qid, (level, prio, fields) in sorted(want.items()):
        m = lines.get(qid)
        if m is None:
            bad.append(qid + ': no line')
            continue
        if m.group(3) != level:
            bad.append('%s: level %s, want %s' % (qid, m.group(3), level))
        if journal and m.group(2) != str(prio):
            bad.append('%s: prefix <%s>, want <%d>' % (qid, m.group(2), prio))
        if not journal and m.group(1):
            bad.append('%s: a priority prefix without JOURNAL_STREAM' % qid)
        try:
            kv = parse(m.group(5))
        except ValueError as e:
            bad.append('%s: %s in %r' % (qid, e, m.group(5)))
            continue
        for k in always:
            if k not in kv:
                bad.append('%s: no %s= in %r' % (qid, k, m.group(5)))
        for k, v in fields.items():
            if k not in kv:
                bad.append('%s: no %s=' % (qid, k))
            elif v is not None and kv[k] != v:
                bad.append('%s: %s=%r, want %r' % (qid, k, kv[k], v))
        if qid == 'LOG3' and 'LOGTEST_SPAM=6.0' not in kv.get('tests', ''):
            bad.append('LOG3: tests=%r' % kv.get('tests'))
    for b in bad:
        print('FAIL logfmt: ' + b)
    if not bad:
        print('ok logfmt: %d lines parsed' % len(lines))
    return 1 if bad else 0


sys.exit(main())
