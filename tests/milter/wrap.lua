-- SPDX-License-Identifier: GPL-2.0-only
-- wrap.lua - run the test script vg_script and print why it failed:
-- Debian's miltertest exits 1 on a Lua error without saying a word.
local ok, err = pcall(dofile, vg_script)
if not ok then
	print("FAIL " .. vg_script .. ": " .. tostring(err))
	error(err)
end
print("PASS " .. vg_script)
