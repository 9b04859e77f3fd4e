-- wrk script of servers.sh. With WRK_BODY_BYTES set, every request is a POST of that many bytes (the echo);
-- at the end it prints one line that servers.sh parses:
--   WRK requests=N duration_us=N errors_socket=N errors_status=N errors_timeout=N p50_us=N p99_us=N p999_us=N
local body_bytes = tonumber(os.getenv("WRK_BODY_BYTES") or "0")
if body_bytes > 0 then
    wrk.method = "POST"
    wrk.body = string.rep("x", body_bytes)
    wrk.headers["Content-Type"] = "application/octet-stream"
end

function done(summary, latency, requests)
    local errors = summary.errors
    io.write(string.format(
        "WRK requests=%d duration_us=%d errors_socket=%d errors_status=%d errors_timeout=%d " ..
        "p50_us=%d p99_us=%d p999_us=%d\n",
        summary.requests, summary.duration, errors.connect + errors.read + errors.write, errors.status,
        errors.timeout, latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
