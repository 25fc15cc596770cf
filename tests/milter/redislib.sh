# SPDX-License-Identifier: GPL-2.0-only
# redislib.sh - sourced by the milter tests that share state through a
# real Redis (t-redis.sh, t-redislimit.sh, t-redisharvest.sh): a private
# redis-server and extra vigil-milter processes in $VG_TMP, stopped on
# exit.  The test defines fail() and, before calling vg_milter, writes
# the milter's config to $VG_TMP/NAME.conf.
command -v redis-server >/dev/null 2>&1 || {
	echo "$(basename "$0"): redis-server is not installed" \
	    "(apt-get install redis-server)"
	exit 77
}
vg_pids=
rpid=
trap 'kill $vg_pids $rpid 2>/dev/null' EXIT

# vg_wait_socket PATH WHAT - wait up to 30 s for a unix socket
vg_wait_socket() {
	i=0
	while [ ! -S "$1" ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "$2 did not start"
		sleep 0.1
	done
}

# redis_start - a redis-server on $VG_TMP/redis.sock, no persistence;
# its pid in rpid (redis_kill stops it)
redis_start() {
	rm -f "$VG_TMP/redis.sock"
	redis-server --port 0 --unixsocket "$VG_TMP/redis.sock" --save '' \
	    --appendonly no --dir "$VG_TMP" >"$VG_TMP/redis.log" 2>&1 &
	rpid=$!
	vg_wait_socket "$VG_TMP/redis.sock" redis-server
}

# redis_kill - kill -9 the redis-server: an outage, not a shutdown
redis_kill() {
	kill -9 "$rpid"
	wait "$rpid" 2>/dev/null
	rpid=
}

# vg_milter NAME - vigil-milter -f -c $VG_TMP/NAME.conf, logging to
# $VG_TMP/NAME.log, once its socket $VG_TMP/NAME.sock is there
vg_milter() {
	"$VG_BUILD/milter/vigil-milter" -f -c "$VG_TMP/$1.conf" \
	    >"$VG_TMP/$1.log" 2>&1 &
	vg_pids="$vg_pids $!"
	vg_wait_socket "$VG_TMP/$1.sock" "milter $1"
}
