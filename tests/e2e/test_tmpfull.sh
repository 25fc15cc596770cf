#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_tmpfull.sh BUILD_DIR - tmp_dir and clamav_tmp_dir on a full file
# system (issue 15).
#
# tmp_dir and clamav_tmp_dir are one tiny tmpfs of its own (mounted here, unmounted by the EXIT
# trap) and memory_limit is 64K, so a 200K message must spill to a file
# in tmp_dir.  First, with room, such a message is delivered (the spill
# works).  Then the tmpfs is filled to the last byte: the same message
# gets a 4xx at end of DATA (on_error = tempfail; the client keeps it,
# nothing is delivered or queued) and vigil-milter logs a line naming
# tmp_dir and the reason.  Mail that fits in memory is still scanned by
# ClamAV, which writes each decoded MIME part to tmp_dir and, when it
# cannot, silently scans an empty file: with the tmpfs full a small ham
# is tempfailed as well (with a line saying so), and EICAR (plain, and as
# a .txt inside a zip) is refused or tempfailed, never delivered.  With
# 128K free the 200K message is still tempfailed (its spill file does not
# fit) while the small ham is delivered, scanned, and the zipped EICAR is
# refused.  When space is back the tempfailed 200K message goes through
# on the client's retry: nothing was lost.  Then a tmpfs with bytes but
# no free inode: tempfail with its own line, then delivery once freed.
# Last, with clamav_tmp_dir at its default (/dev/shm) and only tmp_dir
# full, mail that fits in memory is scanned and delivered (issue 13: it
# never touches tmp_dir) while the 200K message is tempfailed.
. "$(dirname "$0")/lib.sh"

e2e_init tmpfull "${1-}"
[ -x /usr/bin/python3 ] || e2e_skip "/usr/bin/python3 not installed"

TMP=$E2E_DIR/tmpfs
mkdir -p "$TMP" || e2e_die "cannot create $TMP"
# e2e_test_cleanup - run by lib.sh's EXIT trap once the milter is stopped
INO=$E2E_DIR/tmpfs-inodes
e2e_test_cleanup()
{
	local m
	for m in "$TMP" "$INO"; do
		if mountpoint -q "$m"; then
			umount "$m" || umount -l "$m"
		fi
	done
}
# A run that was killed may have left its tmpfs mounted.
e2e_test_cleanup
# No mount(2) here (a container without CAP_SYS_ADMIN): the machine
# lacks a prerequisite.
mount -t tmpfs -o size=512k,mode=1777 vigil-e2e-tmpfull "$TMP" ||
    e2e_skip "cannot mount a tmpfs on $TMP"

e2e_start_all "tmp_dir = $TMP" "clamav_tmp_dir = $TMP" \
    "memory_limit = 64K" "max_message_size = 4M"

ham=$E2E_CORPUS/spamassassin/ham
mal=$E2E_CORPUS/malware
f=$(e2e_corpus_file "$ham" easy_ham.00001)
[ -n "$f" ] || e2e_die "corpus message easy_ham.00001 not found in $ham"

# The big message: a corpus ham with its body repeated to 200K.
big_src=$E2E_DIR/msg/big.src
sed '1{/^From /d}' "$f" >"$big_src"
while [ "$(wc -c <"$big_src")" -lt 200000 ]; do
	e2e_body "$f" >>"$big_src"
done
e2e_prepare "$big_src"
big=$E2E_MSG

e2e_send "$big"
if e2e_expect_delivered "room in tmp_dir: 200K message (spilled)"; then
	e2e_expect_header "room in tmp_dir: 200K message" X-Virus-Status \
	    '^Clean$'
fi

# Fill the tmpfs to the last block.
dd if=/dev/zero of="$TMP/fill" bs=4k >/dev/null 2>&1
avail=$(df --output=avail -B1 "$TMP" | tail -n 1 | tr -d ' ')
e2e_check "tmpfs $TMP is full (avail $avail bytes)" [ "$avail" -eq 0 ]

logn=$(wc -l <"$E2E_DIR/log/milter.log")
before=$(e2e_sink_count)
e2e_send "$big"
e2e_expect_refused "full tmp_dir: 200K message tempfailed" '^4[0-9][0-9] ' \
    "$before"
why=$(tail -n +"$((logn + 1))" "$E2E_DIR/log/milter.log" |
    grep -E "$TMP|No space left" | head -n 1)
if e2e_matches "$why" "No space left on device" &&
    e2e_matches "$why" "tmp_dir"; then
	e2e_ok "full tmp_dir: milter log says why: $why"
else
	e2e_not_ok "full tmp_dir: milter log line" \
	    "got '$why' (last: $(tail -n 2 "$E2E_DIR/log/milter.log" | tr '\n' '|')), want a line naming tmp_dir and 'No space left on device'"
fi

# Mail that fits in memory is still scanned by ClamAV, which writes every
# decoded MIME part to tmp_dir: with no room it is tempfailed too (never
# passed unscanned as Clean), with a line saying why.
e2e_prepare "$f"
ham_msg=$E2E_MSG
logn=$(wc -l <"$E2E_DIR/log/milter.log")
before=$(e2e_sink_count)
e2e_send "$ham_msg"
e2e_expect_refused "full tmp_dir: small ham tempfailed" '^4[0-9][0-9] ' \
    "$before"
why=$(tail -n +"$((logn + 1))" "$E2E_DIR/log/milter.log" |
    grep -E "clamav_tmp_dir $TMP has 0 bytes free.*No space left" |
    head -n 1)
e2e_check "full tmp_dir: milter log says why: $why" [ -n "$why" ]

# EICAR inside a zip as notes.txt (the attachment policy passes a .txt
# member, so only ClamAV, which unpacks the mail part into tmp_dir, can
# catch it), built here.
zipmsg=$E2E_DIR/msg/eicar-txt-in-zip.src
/usr/bin/python3 - "$zipmsg" <<'PY' || e2e_die "cannot build the zip message"
import base64, io, sys, zipfile
eicar = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-"
    b"TEST-FILE!$H+H*")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
	z.writestr("notes.txt", eicar)
b64 = base64.encodebytes(buf.getvalue()).decode()
open(sys.argv[1], "w").write(
    "From: sender@example.net\nTo: rcpt@example.org\n"
    "Subject: notes\nMIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=b1\n\n"
    "--b1\nContent-Type: text/plain\n\nSee the notes.\n"
    "--b1\nContent-Type: application/zip; name=notes.zip\n"
    "Content-Disposition: attachment; filename=notes.zip\n"
    "Content-Transfer-Encoding: base64\n\n" + b64 + "--b1--\n")
PY
for m in "$mal/eicar-plain.eml" "$zipmsg"; do
	[ -f "$m" ] || e2e_die "$m not found"
	before=$(e2e_sink_count)
	e2e_prepare "$m"
	e2e_send "$E2E_MSG"
	e2e_expect_refused "full tmp_dir: $(basename "$m") never delivered" \
	    '^(550 5\.7\.1 Message rejected: virus|4[0-9][0-9] )' "$before"
done

# 128K free: room for a small message's scan, not for a 200K spill file.
rm -f "$TMP/fill"
dd if=/dev/zero of="$TMP/fill" bs=4k count=96 >/dev/null 2>&1
avail=$(df --output=avail -B1 "$TMP" | tail -n 1 | tr -d ' ')
e2e_log "tmpfs: $avail bytes free"
before=$(e2e_sink_count)
e2e_send "$big"
e2e_expect_refused "128K free: 200K message tempfailed" '^4[0-9][0-9] ' \
    "$before"
E2E_MSG=$ham_msg
e2e_send "$ham_msg"
if e2e_expect_delivered "128K free: small ham"; then
	e2e_expect_header "128K free: small ham" X-Virus-Status '^Clean$'
fi
before=$(e2e_sink_count)
e2e_prepare "$zipmsg"
e2e_send "$E2E_MSG"
e2e_expect_refused "128K free: EICAR as .txt in a zip" \
    '^550 5\.7\.1 Message rejected: virus Eicar-Test-Signature' "$before"

# Space is back: the client's retry of the tempfailed message goes through.
rm -f "$TMP/fill"
E2E_MSG=$big
e2e_send "$big"
if e2e_expect_delivered "room again: the tempfailed 200K message, retried"; then
	e2e_expect_body_same "room again: the tempfailed 200K message"
fi
e2e_check "milter still running" kill -0 "$E2E_MILTER_PID"

# Out of inodes, not of bytes: the same, with its own line.
if ! mkdir -p "$INO" || ! mount -t tmpfs \
    -o size=512k,nr_inodes=32,mode=1777 vigil-e2e-tmpinodes "$INO"; then
	e2e_die "cannot mount a tmpfs on $INO"
fi
e2e_milter_restart "tmp_dir = $INO" "clamav_tmp_dir = $INO" \
    "memory_limit = 64K" "max_message_size = 4M"
i=0
while touch "$INO/f$i" 2>/dev/null; do
	i=$((i + 1))
done
logn=$(wc -l <"$E2E_DIR/log/milter.log")
before=$(e2e_sink_count)
e2e_send "$ham_msg"
e2e_expect_refused "no free inodes: small ham tempfailed" '^4[0-9][0-9] ' \
    "$before"
why=$(tail -n +"$((logn + 1))" "$E2E_DIR/log/milter.log" |
    grep -E "clamav_tmp_dir $INO has no free inodes" | head -n 1)
e2e_check "no free inodes: milter log says why: $why" [ -n "$why" ]
rm -f "$INO"/f*
E2E_MSG=$ham_msg
e2e_send "$ham_msg"
e2e_expect_delivered "inodes free again: small ham"

# clamav_tmp_dir at its default, memory-backed: a full tmp_dir only stops
# the message that must spill.
[ -d /dev/shm ] || e2e_die "/dev/shm missing (clamav_tmp_dir's default)"
e2e_milter_restart "tmp_dir = $TMP" "memory_limit = 64K" \
    "max_message_size = 4M"
dd if=/dev/zero of="$TMP/fill" bs=4k >/dev/null 2>&1
E2E_MSG=$ham_msg
e2e_send "$ham_msg"
if e2e_expect_delivered "full tmp_dir, default clamav_tmp_dir: small ham"; then
	e2e_expect_header "full tmp_dir, default clamav_tmp_dir: small ham" \
	    X-Virus-Status '^Clean$'
fi
before=$(e2e_sink_count)
e2e_prepare "$zipmsg"
e2e_send "$E2E_MSG"
e2e_expect_refused "full tmp_dir, default clamav_tmp_dir: zipped EICAR" \
    '^550 5\.7\.1 Message rejected: virus Eicar-Test-Signature' "$before"
before=$(e2e_sink_count)
e2e_send "$big"
e2e_expect_refused "full tmp_dir, default clamav_tmp_dir: 200K tempfailed" \
    '^4[0-9][0-9] ' "$before"
rm -f "$TMP/fill"

e2e_finish
