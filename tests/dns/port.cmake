# SPDX-License-Identifier: GPL-2.0-only
# The loopback port of the test DNS server (tests/dns/start.sh), derived
# from the build directory so that two build trees running ctest at once
# on one machine start two servers on different ports.
string(MD5 _vg_dns_hash "${PROJECT_BINARY_DIR}")
string(SUBSTRING "${_vg_dns_hash}" 0 4 _vg_dns_hex)
math(EXPR VG_TEST_DNS_PORT "20000 + (0x${_vg_dns_hex} % 20000)")
