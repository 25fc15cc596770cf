# SPDX-License-Identifier: GPL-2.0-only
# The loopback port of the test Redis server (tests/redis/start.sh), derived
# from the build directory so that two build trees running ctest at once
# start two servers; below the kernel's ephemeral range (32768-60999) and
# the test DNS server's ports, so that no client socket takes it first.
string(MD5 _vg_redis_hash "redis:${PROJECT_BINARY_DIR}")
string(SUBSTRING "${_vg_redis_hash}" 0 4 _vg_redis_hex)
math(EXPR VG_TEST_REDIS_PORT "10000 + (0x${_vg_redis_hex} % 10000)")
set(VG_TEST_REDIS_DIR "${PROJECT_BINARY_DIR}/redis-server")
