#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# mkpdf.py DIR - write pdf1.eml, pdf2.eml and pdf3.eml (test_rules_sapdf.c)
# into DIR, and print the MD5 sums of the two PDFs.  The fuzz seeds of
# tests/fuzz/corpus/sapdf/images.pdf and encrypted.pdf are pdf1() and pdf2().
import base64, hashlib, sys, os
out = sys.argv[1]
def pdf1():
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n"
        b"2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n"
        b"3 0 obj\n<</Type/Page/Parent 2 0 R\n/MediaBox [0 0 612 792]\n/Resources<</XObject<</Im1 4 0 R/Im2 5 0 R>>>>/Contents 6 0 R>>\nendobj\n"
        b"4 0 obj\n<</Type/XObject/Subtype/Image/Width 300/Height 200/BitsPerComponent 8/Length 3>>\nstream\nabc\nendstream\nendobj\n"
        b"5 0 obj\n<</Type/XObject\n/Subtype /Image\n/Width 500\n/Height 150\n>>\nendobj\n"
        b"6 0 obj\n<</Length 20>>\nstream\nq\n500 0 0 150 0 0 cm\n/Im2 Do\nQ\nendstream\nendobj\n"
        b"7 0 obj\n<</Producer (GPL Ghostscript 9.26)\n/Author <FEFF00410042>\n/Title (Inv\\157ice \\(copy\\))\n/CreationDate (D:20201231120000Z)\n/ModDate(D:20210101)>>\nendobj\n"
        b"trailer\n<</Root 1 0 R/Info 7 0 R>>\n%%EOF\n")
def pdf2():
    return (b"%PDF-1.6\n1 0 obj\n<</Producer (PowerPdf 0.9)/Creator (Writer)>>\nendobj\n"
        b"trailer\n<</Root 1 0 R\n/Encrypt 2 0 R>>\n%%EOF\n")
def pdf3():
    return b"This is not a PDF at all\nreally\n"
def b64(b):
    s = base64.b64encode(b).decode()
    return "\n".join(s[i:i+76] for i in range(0, len(s), 76))
def msg(subject, text, parts):
    h = ("From: Sender <sender@example.org>\nTo: rcpt@example.com\nSubject: %s\n"
         "Date: Mon, 07 Dec 2026 10:00:00 +0000\nMessage-ID: <%s@example.org>\n"
         "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"BB\"\n\n" % (subject, subject.lower()))
    b = "--BB\nContent-Type: text/plain; charset=us-ascii\n\n%s\n" % text
    for ct, name, data in parts:
        nm = '; name="%s"' % name if name else ''
        b += "--BB\nContent-Type: %s%s\nContent-Transfer-Encoding: base64\n\n%s\n" % (ct, nm, b64(data))
    return h + b + "--BB--\n"
open(os.path.join(out,"pdf1.eml"),"w").write(msg("Invoice", "Please see the attached invoice.", [("application/pdf","invoice.pdf",pdf1())]))
open(os.path.join(out,"pdf2.eml"),"w").write(msg("Scan", "", [("application/octet-stream","scan.PDF",pdf2())]))
open(os.path.join(out,"pdf3.eml"),"w").write(msg("Notes", "Two files attached, see them.", [("application/octet-stream","notes.txt",pdf1()),("application/pdf",None,pdf3())]))
for f,d in (("pdf1",pdf1()),("pdf2",pdf2())):
    print(f, hashlib.md5(d).hexdigest().upper())
