-- The wrk script of tests/bench/run.  Arguments after "--":
--
--   post KEY TARGET   POST to the URL's path a distinct ~300-byte job body
--                     (a job for TARGET, due in an hour) per request
--   read KEY IDFILE   GET /v1/jobs/{id}, ids picked at random from IDFILE
--   get KEY           GET the URL's path
--
-- Every request carries Authorization and Content-Type, so that dq and the
-- baselines (nginx `return 200`, fcgi-hello) receive the same bytes.
-- done() prints one line for run to parse:
--   WRK {"requests":N,"us":N,"errors":N,"non2xx":N,"p50_us":N,"p99_us":N}

local n_threads = 0

function setup(thread)
   n_threads = n_threads + 1
   thread:set("thread_no", n_threads)
end

local mode, target
local ids = {}
local counter = 0
local pad = string.rep("x", 190)

function init(args)
   mode, target = args[1], args[3]
   wrk.headers["Authorization"] = "Bearer " .. args[2]
   wrk.headers["Content-Type"] = "application/json"
   if mode == "read" then
      for line in io.lines(target) do
         ids[#ids + 1] = line
      end
   end
   math.randomseed(os.time() * 100 + (thread_no or 0))
end

function request()
   if mode == "read" then
      return wrk.format("GET", "/v1/jobs/" .. ids[math.random(#ids)])
   elseif mode == "get" then
      return wrk.format("GET")
   end
   counter = counter + 1
   local body = string.format(
      '{"url":"%s","payload":{"n":"%d-%d","pad":"%s"},"delay":"1h"}',
      target, thread_no or 0, counter, pad)
   return wrk.format("POST", nil, nil, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'WRK {"requests":%d,"us":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d}\n',
      summary.requests, summary.duration,
      e.connect + e.read + e.write + e.timeout, e.status,
      latency:percentile(50), latency:percentile(99)))
end
