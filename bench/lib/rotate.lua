-- wrk script: each request carries the next (x-api-key, x-gw-signature) pair from a file of lines "apiKey<TAB>token",
-- so a run can send a fresh token per request (the Magento module's way) or spread calls over many keys. Every thread
-- starts at its own offset. Usage: wrk -s bench/lib/rotate.lua <url> -- <pairs-file>
local pairs_file
local keys, tokens, count, next_index = {}, {}, 0, 1
local threads_started = 0

function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_number", threads_started) -- a global of that thread's own Lua state
end

function init(args)
  pairs_file = args[1]
  for line in io.lines(pairs_file) do
    local key, token = line:match("^([^\t]+)\t(.+)$")
    if key then
      count = count + 1
      keys[count], tokens[count] = key, token
    end
  end
  if count == 0 then error("no pairs in " .. tostring(pairs_file)) end
  next_index = ((thread_number or 1) - 1) * math.floor(count / 8) % count + 1
end

function request()
  local i = next_index
  next_index = i % count + 1
  wrk.headers["x-api-key"] = keys[i]
  wrk.headers["x-gw-signature"] = tokens[i]
  return wrk.format(nil)
end
-- No response() callback: wrk then skips parsing bodies; its summary counts non-2xx answers, which the scripts check.
