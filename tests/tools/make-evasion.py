#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""make-evasion.py OUTDIR - write messages that hide the EICAR test file
from a virus scanner the ways a hostile sender would, for the tests of
incomplete scans (stage_virus.c, "Incomplete scans"):

  padded.eml     one zip attachment whose single member is 100 MiB of NUL
                 bytes followed by EICAR (the message is ~140 KB: padding
                 deflates 1000:1); ClamAV cuts the member at its
                 MaxFileSize (100 MiB) before the EICAR string
  nested20.eml   EICAR inside 20 nested zips (ClamAV's MaxRecursion is 17)
  encrypted.eml  EICAR, named report.txt (a name the attachment policy
                 allows), in a zip encrypted with the traditional PKWARE
                 cipher (password "infected")
  members.eml    a zip of 30 text members and then EICAR (for a test that
                 sets clamav_max_files below 31)
  slow.eml       a zip of 2000 members (for a test that sets
                 clamav_max_scantime to 1 ms)
  truncated.eml  a zip whose central directory is cut off, EICAR in its
                 last member: libclamav 1.4 falls back to the local
                 headers and scans no deflated member (measured), repair
                 tools extract it
  padded-and-eicar.eml   padded.eml's zip, then EICAR as a second
                 attachment: a real virus must win over the incomplete scan
  nested-and-eicar.eml   the same with the 20-deep zip

Only the Python standard library is used.  The EICAR string is built from
two halves so that this file is not itself detected by a scanner.
"""
import base64
import io
import os
import struct
import sys
import zipfile
import zlib

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR"
         b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
assert len(EICAR) == 68


def part(name, data, ctype="application/zip"):
    """One base64 MIME attachment."""
    b64 = base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")
    return ("--b0undary\r\n"
            "Content-Type: %s; name=\"%s\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"%s\"\r\n"
            "\r\n%s\r\n") % (ctype, name, name, b64)


def message(subject, *parts):
    """A multipart/mixed message with a text part and the attachments."""
    return ("From: Sender <sender@example.com>\r\n"
            "To: rcpt@example.org\r\n"
            "Subject: %s\r\n"
            "Message-ID: <%s@vigil.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b0undary\"\r\n"
            "\r\n"
            "--b0undary\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n"
            "\r\n"
            "The files you asked for.\r\n"
            + "".join(parts) + "--b0undary--\r\n") % (subject, subject)


def padded_zip():
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED,
                         compresslevel=9) as z:
        with z.open("readme.txt", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(100):
                f.write(chunk)
            f.write(EICAR)
    return bio.getvalue()


def nested_zip(depth):
    data, name = EICAR, "eicar.com"
    for i in range(depth):
        bio = io.BytesIO()
        with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(name, data)
        data, name = bio.getvalue(), "level%d.zip" % (depth - i)
    return data


def many_zip(n, last=None):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            z.writestr("file%04d.txt" % i, ("line %d\n" % i) * 50)
        if last is not None:
            z.writestr("eicar.com", last)
    return bio.getvalue()


class ZipCrypto:
    """The traditional PKWARE stream cipher (APPNOTE.TXT 6.1)."""

    def __init__(self, password):
        self.keys = [0x12345678, 0x23456789, 0x34567890]
        for c in password:
            self._update(c)

    @staticmethod
    def _crc(crc, byte):
        return zlib.crc32(bytes([byte]), crc ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    def _update(self, c):
        k = self.keys
        k[0] = self._crc(k[0], c)
        k[1] = (k[1] + (k[0] & 0xFF)) & 0xFFFFFFFF
        k[1] = (k[1] * 134775813 + 1) & 0xFFFFFFFF
        k[2] = self._crc(k[2], (k[1] >> 24) & 0xFF)

    def encrypt(self, data):
        out = bytearray()
        for c in data:
            t = (self.keys[2] | 2) & 0xFFFF
            out.append(c ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            self._update(c)
        return bytes(out)


def encrypted_zip(name, data, password=b"infected"):
    """A one-member stored zip, encrypted (general purpose flag bit 0)."""
    crc = zlib.crc32(data) & 0xFFFFFFFF
    # 12-byte encryption header; its last byte is the CRC's high byte.
    body = ZipCrypto(password).encrypt(bytes(11) + bytes([crc >> 24]) + data)
    fn = name.encode("ascii")
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 1, 0, 0, 0, crc,
                        len(body), len(data), len(fn), 0) + fn
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 1, 0, 0,
                          0, crc, len(body), len(data), len(fn), 0, 0, 0, 0,
                          0, 0) + fn
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central),
                      len(local) + len(body), 0)
    return local + body + central + end


def truncated_zip():
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("notes.txt", "meeting notes\n" * 400)
        z.writestr("tool.com", EICAR)
    data = bio.getvalue()
    return data[:data.rindex(b"PK\x01\x02", 0, len(data) - 60) + 10]


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: make-evasion.py OUTDIR\n")
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    pad = padded_zip()
    nest = nested_zip(20)
    eicar_part = part("tool.com", EICAR, "application/octet-stream")
    files = {
        "padded.eml": message("padded", part("docs.zip", pad)),
        "nested20.eml": message("nested20", part("docs.zip", nest)),
        "encrypted.eml": message(
            "encrypted",
            part("docs.zip", encrypted_zip("report.txt", EICAR))),
        "members.eml": message("members",
                               part("docs.zip", many_zip(30, EICAR))),
        "slow.eml": message("slow", part("docs.zip", many_zip(2000))),
        "truncated.eml": message("truncated",
                                 part("docs.zip", truncated_zip())),
        "padded-and-eicar.eml": message("paddedeicar",
                                        part("docs.zip", pad), eicar_part),
        "nested-and-eicar.eml": message("nestedeicar",
                                        part("docs.zip", nest), eicar_part),
    }
    for name, text in files.items():
        tmp = os.path.join(out, name + ".tmp")
        with open(tmp, "w", newline="") as f:
            f.write(text)
        os.rename(tmp, os.path.join(out, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
