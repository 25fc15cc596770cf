-- SPDX-License-Identifier: GPL-2.0-only
-- Negotiation: vigil-milter asks for header edits and quarantine, and
-- takes SMFIP_HDR_LEADSPC, SMFIP_SKIP and SMFIP_RCPT_REJ when offered.
dofile(srcdir .. "/common.lua")

local conn = vg_connect()
for _, a in ipairs({ { "SMFIF_ADDHDRS", SMFIF_ADDHDRS },
    { "SMFIF_CHGHDRS", SMFIF_CHGHDRS },
    { "SMFIF_QUARANTINE", SMFIF_QUARANTINE } }) do
	if not mt.test_action(conn, a[2]) then
		vg_fail("action " .. a[1], "not requested", "requested")
	end
end
for _, a in ipairs({ { "SMFIF_CHGBODY", SMFIF_CHGBODY },
    { "SMFIF_ADDRCPT", SMFIF_ADDRCPT },
    { "SMFIF_DELRCPT", SMFIF_DELRCPT } }) do
	if mt.test_action(conn, a[2]) then
		vg_fail("action " .. a[1], "requested", "not requested")
	end
end
for _, o in ipairs({ { "SMFIP_HDR_LEADSPC", SMFIP_HDR_LEADSPC },
    { "SMFIP_SKIP", SMFIP_SKIP }, { "SMFIP_RCPT_REJ", SMFIP_RCPT_REJ } }) do
	if not mt.test_option(conn, o[2]) then
		vg_fail("option " .. o[1], "not taken", "taken")
	end
end
-- Every step that carries the message stays on.
for _, o in ipairs({ { "SMFIP_NOCONNECT", SMFIP_NOCONNECT },
    { "SMFIP_NOHELO", SMFIP_NOHELO }, { "SMFIP_NOMAIL", SMFIP_NOMAIL },
    { "SMFIP_NORCPT", SMFIP_NORCPT }, { "SMFIP_NOHDRS", SMFIP_NOHDRS },
    { "SMFIP_NOEOH", SMFIP_NOEOH }, { "SMFIP_NOBODY", SMFIP_NOBODY } }) do
	if mt.test_option(conn, o[2]) then
		vg_fail("option " .. o[1], "taken", "not taken")
	end
end
mt.disconnect(conn)
