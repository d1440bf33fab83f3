# bench/lib.sh -- what the benchmark's sections share (sourced by
# scripts/bench after tests/lib/stack.sh, whose stacks it runs): wrk runs and
# their figures, medians and ratios, the pool's workers and their memory, and
# the ceiling stack (nginx as shipped in front of bench/null_fcgi).

say() { printf 'bench: %s\n' "$*" >&2; }
calc() { awk "BEGIN {printf \"%.${2:-3}f\", $1}"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
kib_mib() { calc "$1 / 1024" 2; }
verdict() { # VALUE OP LIMIT
	if awk "BEGIN {exit !($1 $2 $3)}"; then echo met; else echo "**missed**"; fi
}

# --- stacks -----------------------------------------------------------------

# stack_save NAME / stack_use NAME: keep several stacks of tests/lib/stack.sh
# at once (its functions work on the current one's variables).
STACK_VARS="STACK_DIR DB SOCKET HASH_SOCKET LIST_SOCKET FZ_PID NGINX_PID PORT BASE_URL"
stack_save() {
	local v
	for v in $STACK_VARS; do eval "${1}_$v=\${$v:-}"; done
	BENCH_STACKS+=" $1"
}
stack_use() {
	local v
	for v in $STACK_VARS; do eval "$v=\${${1}_$v:-}"; done
}
# Stops every saved stack (on exit).
stacks_stop() {
	local s
	for s in ${BENCH_STACKS:-}; do
		stack_use "$s"
		[ -n "${STACK_DIR:-}" ] && [ -d "$STACK_DIR" ] && stack_stop >/dev/null 2>&1
	done
	BENCH_STACKS=""
}

# The ceiling: the same nginx configuration, in front of null_fcgi on the
# same three sockets, answering each URI with the body our stack gave for it.
# usage: null_stack_start URI=FILE ... (one null_fcgi process per core)
null_stack_start() {
	stack_init
	# rw for the group, as the pool makes its sockets: nginx's workers are in it.
	(umask 0007 && exec "$NULL_FCGI" "$SOCKET,$HASH_SOCKET,$LIST_SOCKET" "$(nproc)" "$@") >>"$STACK_DIR/log" 2>&1 &
	FZ_PID=$!
	for _ in $(seq 1 100); do
		[ -S "$SOCKET" ] && [ -S "$HASH_SOCKET" ] && [ -S "$LIST_SOCKET" ] && break
		sleep 0.02
	done
	stack_nginx && stack_wait
}

lost_workers() { grep -c 'killed by signal\|exited with status' "$STACK_DIR/log" || true; }

# Largest VmRSS over the workers, in KiB.
max_rss() {
	local p
	for p in $(worker_pids); do
		awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || true
	done | sort -n | tail -1
}
# Largest private memory (USS: Private_Clean + Private_Dirty) over the workers, in KiB.
max_uss() {
	local p
	for p in $(worker_pids); do
		awk '/^Private_(Clean|Dirty):/ {t += $2} END {print t + 0}' "/proc/$p/smaps_rollup" 2>/dev/null || true
	done | sort -n | tail -1
}
cpu_counts() { awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6}' /proc/stat; }
# CPU ticks of the workers, the live ones and those the supervisor reaped.
workers_cpu_ticks() {
	local p total t
	total=$(awk '{print $16 + $17}' "/proc/$FZ_PID/stat")
	for p in $(worker_pids); do
		t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
		total=$((total + t))
	done
	echo "$total"
}

# Waits (at most 60 s) until, five looks in a row, no worker runs a second
# thread (hashing, a long list) and no connection waits in the sockets'
# backlogs: what a run left behind is done before the next is measured.
wait_idle() {
	local p busy quiet=0
	for _ in $(seq 1 600); do
		busy=0
		for p in $(worker_pids); do
			[ "$(awk '/^Threads:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 1)" -gt 1 ] && busy=1
		done
		[ "$(ss -xlH | awk -v d="$STACK_DIR/" 'index($5, d) == 1 {n += $3} END {print n + 0}')" -gt 0 ] && busy=1
		if [ "$busy" = 0 ]; then quiet=$((quiet + 1)); else quiet=0; fi
		[ "$quiet" -ge 5 ] && return 0
		sleep 0.1
	done
}

# --- wrk --------------------------------------------------------------------

rps="" p50="" p99="" non2xx=0 sockerr=0 nreq=0 statuses=""
errors_total=0
# wrk_run THREADS CONNS SECONDS URL [LUA] -> sets rps p50 p99 (ms) non2xx sockerr nreq statuses
# BENCH_HEADER, when set, is a header every request carries ("Authorization: Bearer ...").
wrk_run() {
	local t=$1 c=$2 d=$3 url=$4 lua=${5:-$BENCH_LUA/report.lua} line header=()
	[ -n "${BENCH_HEADER:-}" ] && header=(-H "$BENCH_HEADER")
	line=$(wrk -t"$t" -c"$c" -d"${d}s" --timeout 30s "${header[@]}" -s "$lua" "$url" | grep '^BENCH ') ||
		{ echo "scripts/bench: wrk failed on $url" >&2; exit 1; }
	parse_bench "$line"
}
parse_bench() {
	eval "$(awk '{for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		d = v["duration_us"] / 1e6
		printf "rps=%.1f p50=%.3f p99=%.3f non2xx=%d sockerr=%d nreq=%d statuses=%s\n",
			(d > 0 ? v["requests"] / d : 0), v["p50_us"] / 1000, v["p99_us"] / 1000,
			v["non2xx"], v["socket_errors"], v["requests"], v["statuses"] }' <<<"$1")"
}
note_errors() { # LABEL: counts the last run's errors
	if [ "$non2xx" -gt 0 ] || [ "$sockerr" -gt 0 ]; then
		say "  warning: $1: $non2xx non-2xx answers, $sockerr socket errors"
		errors_total=$((errors_total + non2xx + sockerr))
	fi
}
# Paced reads beside a load: wrk -t1 -cCONNS on URL, each connection waiting
# BENCH_READ_DELAY_MS between its requests, for SECONDS.
paced_run() { # CONNS SECONDS URL
	BENCH_DELAY_MS=$read_delay_ms wrk_run 1 "$1" "$2" "$3"
}
