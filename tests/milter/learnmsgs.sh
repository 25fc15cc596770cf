# SPDX-License-Identifier: GPL-2.0-only
# learnmsgs.sh - sourced by the classifier's milter tests: mkmsg writes a
# message whose words are a known spam or ham vocabulary, and helpers to
# read the milter's answer.
spam_words='cheap replica watches discount pharmacy pills casino bonus
winner lottery jackpot viagra refinance mortgage unsubscribe limited offer
guaranteed income investment opportunity act now click here'
ham_words='quarterly meeting agenda minutes project schedule review
design document patch release kernel compiler regression benchmark
colleagues lunch tomorrow afternoon notes draft'

# mkmsg FILE MSGID SUBJECT VOCAB [EXTRA-LINE] - one message
mkmsg() {
	{
		printf 'From: Someone <someone@example.net>\r\n'
		printf 'To: b@example.org\r\n'
		printf 'Subject: %s\r\n' "$3"
		printf 'Message-ID: <%s@example.net>\r\n' "$2"
		printf 'Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n'
		printf '\r\n'
		[ -n "${5:-}" ] && printf '%s\r\n' "$5"
		printf '%s\r\n' $4 | paste -d' ' - - - - | sed 's/$/\r/'
	} >"$1"
}

# status OUT - the X-Spam-Status value in mtclient's output, unfolded
status() {
	awk '/^(addheader|insheader|chgheader) X-Spam-Status:/ {
		sub(/^[a-z]+ X-Spam-Status: */, ""); v = $0; on = 1; next }
	    on && /^[ \t]/ { v = v " " $0; next }
	    { on = 0 }
	    END { gsub(/[\r\t ]+/, " ", v); print v }' "$1"
}

# wait_line PATTERN FILE - until FILE has a line matching PATTERN (grep
# -q), at most 60 s: autolearn logs from its own thread after the reply
# (lib/learn/learnq.h), so its lines come a little after the message.
wait_line() {
	_i=0
	while ! grep -q "$1" "$2" && [ $_i -lt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
