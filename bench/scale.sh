# bench/scale.sh -- the scale section of `make bench` (sourced by
# scripts/bench): a stack on a table of a million users made with SQL, and
#   - the deepest page alone (one connection: p50, p99);
#   - cheap reads (GET /users/{id}, 4 connections paced BENCH_READ_DELAY_MS
#     apart) while 16 connections flood the deepest page, and while 8
#     connections ask for the whole table (limit=1000000): their p99, and the
#     floods' own requests/s;
#   - then a million todos of one user, made with SQL: a title filter that
#     scans every one of them (it matches the last), alone (p50, p99), and
#     the cheap reads' p99 while 16 connections flood it;
#   - the largest worker RSS after the users' floods, and after the todos'
#     (whose tokens libjwt checks with OpenSSL: its libcrypto's pages are
#     then resident in each list worker, shared, not private).
# Sets the sc_* variables scripts/bench reports.

scale_users=1000000
scale_todos=1000000
scale_section() {
	local deep="/users/?offset=$((scale_users - 100))&limit=100" whole="/users/?limit=1000000"
	local cheap="/users/$((scale_users / 2 + 1))" flood
	say "scale: a stack on $scale_users users (made with SQL)"
	stack_start
	stack_save scale
	db_fill_users "$DB" "$scale_users"
	[ "$(curl -s "$BASE_URL$deep" | grep -o '"id":' | wc -l)" = 100 ] ||
		{ echo "scripts/bench: the deepest page does not list 100 users" >&2; exit 1; }
	wrk_run 1 1 2 "$BASE_URL$deep" >/dev/null # warm the page cache
	wrk_run 1 1 "$secs" "$BASE_URL$deep"
	sc_deep_p50=$p50 sc_deep_p99=$p99 sc_deep_rps=$rps
	say "  deepest page alone: p50 $p50 ms, p99 $p99 ms"
	paced_run $read_conns "$storm_secs" "$BASE_URL$cheap"
	sc_quiet_p99=$p99
	say "  cheap reads, quiet: p99 $p99 ms"

	# flood_with CONNS URL [HEADER]: the flood (each request with HEADER) for
	# storm_secs, the paced cheap reads from 1 s in to 1 s before its end;
	# sets f_p99 f_rps f_err.
	flood_with() {
		local header=()
		[ -n "${3:-}" ] && header=(-H "$3")
		wait_idle
		wrk -t2 -c"$1" -d"${storm_secs}s" --timeout 60s "${header[@]}" -s "$BENCH_LUA/report.lua" "$BASE_URL$2" \
			>"$STACK_DIR/flood.out" 2>&1 &
		flood=$!
		BENCH_STACK_BG=$flood
		sleep 1
		paced_run $read_conns $((storm_secs - 2)) "$BASE_URL$cheap"
		f_p99=$p99 f_err=$((non2xx + sockerr))
		wait "$flood" || true
		BENCH_STACK_BG=""
		parse_bench "$(grep '^BENCH ' "$STACK_DIR/flood.out")" ||
			{ echo "scripts/bench: the flood failed:" >&2; cat "$STACK_DIR/flood.out" >&2; exit 1; }
		f_rps=$rps
		f_err=$((f_err + non2xx + sockerr))
	}
	local deep_p99=() deep_rps=() whole_p99=() whole_rps=()
	sc_errors=0
	for r in $(seq 1 "$rounds"); do
		flood_with 16 "$deep"
		deep_p99+=("$f_p99") deep_rps+=("$f_rps") sc_errors=$((sc_errors + f_err))
		flood_with 8 "$whole"
		whole_p99+=("$f_p99") whole_rps+=("$f_rps") sc_errors=$((sc_errors + f_err))
		say "  round $r/$rounds: cheap p99 ${deep_p99[-1]} ms under the deep-page flood (${deep_rps[-1]}/s), ${whole_p99[-1]} ms under the whole-table flood (${whole_rps[-1]}/s)"
	done
	sc_flood_deep_p99=$(median "${deep_p99[@]}") sc_flood_deep_rps=$(median "${deep_rps[@]}")
	sc_flood_whole_p99=$(median "${whole_p99[@]}") sc_flood_whole_rps=$(median "${whole_rps[@]}")
	sc_rounds="deep-page flood p99 ${deep_p99[*]} ms at ${deep_rps[*]}/s; whole-table flood p99 ${whole_p99[*]} ms at ${whole_rps[*]}/s"
	wait_idle
	sleep 0.5
	sc_rss_users=$(max_rss) sc_uss_users=$(max_uss)
	say "  largest worker RSS after the users' floods: $(kib_mib "$sc_rss_users") MiB"
	scale_todos_section
	sc_rounds+="; title-filter flood p99 ${todos_p99[*]} ms at ${todos_rps[*]}/s"
	wait_idle
	sleep 0.5
	sc_rss=$(max_rss) sc_uss=$(max_uss)
	sc_lost=$(lost_workers)
	say "  largest worker RSS after the todos' floods: $(kib_mib "$sc_rss") MiB"
	stack_stop
}

# The todos of the scale section, on its stack (user 1 of the million, whose
# token PyJWT makes as the course's clients may): sets sc_filter_p50
# sc_filter_p99 sc_flood_todos_p99 sc_flood_todos_rps, todos_p99 and todos_rps.
scale_todos_section() {
	local auth filter="/todos/?title=$scale_todos" r
	say "scale: $scale_todos todos of one user (made with SQL)"
	sqlite3 "$DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $scale_todos)
		INSERT INTO todos (title, description, state, user_id)
		SELECT 'todo ' || i, 'the description of todo ' || i, 'todo', 1 FROM n"
	auth="Authorization: Bearer $("$PY" -c 'import jwt, sys, time
print(jwt.encode({"sub": "user1@example.com", "exp": int(time.time()) + 86400}, sys.argv[1], algorithm="HS256"))' "$SECRET")"
	[ "$(curl -s -H "$auth" "$BASE_URL$filter" | grep -o '"id":' | wc -l)" = 1 ] ||
		{ echo "scripts/bench: the title filter does not find its one todo" >&2; exit 1; }
	BENCH_HEADER=$auth wrk_run 1 1 2 "$BASE_URL$filter" >/dev/null # warm the page cache
	BENCH_HEADER=$auth wrk_run 1 1 "$secs" "$BASE_URL$filter"
	sc_filter_p50=$p50 sc_filter_p99=$p99
	say "  title filter alone: p50 $p50 ms, p99 $p99 ms"
	todos_p99=() todos_rps=()
	for r in $(seq 1 "$rounds"); do
		flood_with 16 "$filter" "$auth"
		todos_p99+=("$f_p99") todos_rps+=("$f_rps") sc_errors=$((sc_errors + f_err))
		say "  round $r/$rounds: cheap p99 ${todos_p99[-1]} ms under the title-filter flood (${todos_rps[-1]}/s)"
	done
	sc_flood_todos_p99=$(median "${todos_p99[@]}") sc_flood_todos_rps=$(median "${todos_rps[@]}")
}
