-- bench/lua/report.lua -- wrk: one summary line, and nothing per request
-- (wrk keeps its fast path). BENCH_DELAY_MS, when set, makes each connection
-- wait that long between its requests ("paced" reads).
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pause then
	function delay() return pause end
end
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d socket_errors=%d\n",
		summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
		e.status, e.connect + e.read + e.write + e.timeout))
end
