-- bench/lua/login.lua -- wrk: logins of the users bench1..benchN
-- (BENCH_USERS) in turn, each with its password pw-K; one summary line with
-- the statuses seen and every answer that is not 2xx counted.
local threads = {}
local users = tonumber(os.getenv("BENCH_USERS") or "100")
function setup(thread)
	thread:set("first", #threads * 37)
	table.insert(threads, thread)
end
function init(args)
	i = first
	bad = 0
	st = {}
end
function request()
	i = i + 1
	local k = i % users + 1
	return wrk.format("POST", "/auth/token", {["Content-Type"] = "application/x-www-form-urlencoded"},
		"username=bench" .. k .. "%40example.com&password=pw-" .. k)
end
function response(status, headers, body)
	if status < 200 or status > 299 then bad = bad + 1 end
	st[status] = (st[status] or 0) + 1
end
function done(summary, latency, requests)
	local n, all = 0, {}
	for _, t in ipairs(threads) do
		n = n + t:get("bad")
		for k, v in pairs(t:get("st")) do all[k] = (all[k] or 0) + v end
	end
	local keys, parts = {}, {}
	for k in pairs(all) do table.insert(keys, k) end
	table.sort(keys)
	for _, k in ipairs(keys) do table.insert(parts, k .. ":" .. all[k]) end
	local e = summary.errors
	io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d socket_errors=%d statuses=%s\n",
		summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
		n, e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
