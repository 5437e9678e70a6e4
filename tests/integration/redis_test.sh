#!/bin/bash
# SPDX-License-Identifier: MIT
# redis_test.sh - runs test_redis against a throwaway redis-server.
#
#   redis_test.sh TEST_BINARY          start a server, run the test, stop it
#   redis_test.sh --restart DIR PORT   kill -9 the server in DIR and start it
#                                      again on PORT (the test calls this)
#
# The server listens on 127.0.0.1 only, on a free port picked here, and on
# a Unix socket in a mktemp directory; nothing is saved.  It is always torn
# down, whatever happens to the test.
set -euo pipefail

# Starts redis-server for DIR on PORT and waits until it answers on both
# the port and the socket.  Fails if it does not come up (port taken...).
start_server() {
	local dir=$1 port=$2 _
	rm -f "$dir/redis.pid"
	redis-server --bind 127.0.0.1 --port "$port" \
		--unixsocket "$dir/redis.sock" --unixsocketperm 700 \
		--save '' --appendonly no --dir "$dir" \
		--daemonize yes --pidfile "$dir/redis.pid" \
		--logfile "$dir/redis.log" >/dev/null
	# The socket check matters: if the port belongs to someone else's
	# server, that one answers on the port but ours never makes a socket.
	for _ in $(seq 50); do
		if [ "$(timeout 2 redis-cli -s "$dir/redis.sock" ping 2>/dev/null)" = PONG ] &&
		   [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# True while PID runs as a redis-server of DIR (its --dir, hence its cwd):
# a recycled pid, or another test's server, is never ours to signal.  A
# zombie counts as gone: PID 1 in a container may be slow to reap it.
ours() {
	local pid=$1 dir=$2 state
	state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "${state%% *}" != Z ] &&
		[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$(readlink -f "$dir")" ]
}

# Stops the server of DIR, if any: SIG (TERM), then SIGKILL after 5 s.
stop_server() {
	local dir=$1 sig=${2:-TERM} pid _
	[ -f "$dir/redis.pid" ] || return 0
	pid=$(cat "$dir/redis.pid")
	rm -f "$dir/redis.pid"
	ours "$pid" "$dir" || return 0
	kill "-$sig" "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		ours "$pid" "$dir" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

if [ "${1:-}" = --restart ]; then
	# kill -9: the server gets no chance to close its clients politely,
	# like a crash or an OOM kill.
	stop_server "$2" KILL
	start_server "$2" "$3"
	exit
fi

bin=${1:?usage: redis_test.sh TEST_BINARY}
self=$(readlink -f "${BASH_SOURCE[0]}")
dir=$(mktemp -d "${TMPDIR:-/tmp}/cw-redis.XXXXXX")

# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	# The socket in our own directory can only reach our server: ask it
	# to go even if the pid file never got written.
	if [ -S "$dir/redis.sock" ]; then
		timeout 2 redis-cli -s "$dir/redis.sock" shutdown nosave \
			>/dev/null 2>&1 || true
	fi
	stop_server "$dir"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=
for _ in $(seq 20); do
	candidate=$((20000 + RANDOM % 40000))
	# Skip ports something already listens on.
	if (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
		continue
	fi
	if start_server "$dir" "$candidate"; then
		port=$candidate
		break
	fi
	stop_server "$dir"
done
if [ -z "$port" ]; then
	echo "redis_test.sh: could not start redis-server" >&2
	tail -n 20 "$dir/redis.log" >&2 || true
	exit 1
fi
echo "redis-server on 127.0.0.1:$port and $dir/redis.sock"

rc=0
CW_REDIS_HOST=127.0.0.1 CW_REDIS_PORT=$port CW_REDIS_SOCKET=$dir/redis.sock \
CW_REDIS_RESTART="bash '$self' --restart '$dir' $port" \
	"$bin" || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "--- redis-server log (tail)" >&2
	tail -n 20 "$dir/redis.log" >&2 || true
fi
exit "$rc"
