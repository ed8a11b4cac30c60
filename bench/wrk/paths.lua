-- paths.lua - wrk script for bench/verifyd.sh: every request takes the next
-- path of a file (one path a line, e.g. /api/v1/stamps/<CODE>), so that wrk
-- cycles through many different codes instead of asking for one URL.
--
--   wrk -t2 -c64 -d5s --latency -s bench/wrk/paths.lua http://127.0.0.1:PORT -- PATHS
--
-- Each thread starts at a different offset of the list. At the end it prints
-- one line that bench/verifyd.sh parses:
--   WRK requests=N seconds=S rps=R p50_us=A p99_us=B errors=E non2xx=F
-- errors counts socket errors (connect, read, write, timeout); non2xx counts
-- answers outside 2xx/3xx.

local paths = {}
local next_index = 1
local threads = {}
local thread_count = 0

function setup(thread)
	thread:set("id", thread_count)
	thread_count = thread_count + 1
	table.insert(threads, thread)
end

function init(args)
	local file = args[1]
	if not file then
		error("paths.lua: give the file of paths after --")
	end
	local f = assert(io.open(file, "r"))
	for line in f:lines() do
		if #line > 0 then
			paths[#paths + 1] = line
		end
	end
	f:close()
	if #paths == 0 then
		error("paths.lua: " .. file .. " holds no path")
	end
	-- spread the threads over the list: thread k starts k/8 of the way in
	next_index = (math.floor(#paths * (id or 0) / 8) % #paths) + 1
end

function request()
	local p = paths[next_index]
	next_index = next_index + 1
	if next_index > #paths then
		next_index = 1
	end
	return wrk.format("GET", p)
end

function done(summary, latency, requests)
	local e = summary.errors
	local seconds = summary.duration / 1e6
	io.write(string.format(
		"WRK requests=%d seconds=%.3f rps=%.0f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
		summary.requests, seconds, summary.requests / seconds,
		latency:percentile(50), latency:percentile(99),
		e.connect + e.read + e.write + e.timeout, e.status))
end
