-- wrk script: POSTs the JSON bodies of the file named by $BODIES (one per
-- line) in turn, each thread starting at its own place, so no two requests
-- in a row carry the same question (nothing a cache could serve).
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do
  bodies[#bodies + 1] = line
end

local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("offset", thread_count * 7919)
end

local next_index = nil
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  if next_index == nil then
    next_index = offset or 0
  end
  next_index = next_index + 1
  return wrk.format(nil, nil, nil, bodies[(next_index % #bodies) + 1])
end

-- One machine-readable line; latencies in milliseconds.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f rps=%.1f p50=%.2f p95=%.2f p99=%.2f max=%.2f socket_errors=%d non_2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect + e.read + e.write + e.timeout, e.status))
end
