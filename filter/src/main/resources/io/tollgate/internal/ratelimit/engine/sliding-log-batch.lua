-- Tollgate's sliding log (sliding-log.lua), several requests for one key in one run: the requests one JVM
-- got for this key while its previous call was in flight (HotKeyCombiner), decided one after the other in
-- their order, exactly as separate runs of sliding-log.lua in that order would have, at one Redis time.
-- A request takes `cost` permits of every limit, or none. All admitted permits go in with one ZADD.
--
-- KEYS[1]         the log
-- ARGV[1]         batch id: request i's permits are recorded as "<id>.<i>", then "<id>.<i>.<j>", j = 2..cost
-- ARGV[2]         n, the number of limits
-- ARGV[2k+1], ARGV[2k+2]  count and window (ms) of limit k, k = 1..n
-- ARGV[2n+3 ...]  the cost of each request, in arrival order (1 for a request through RateLimitFilter)
--
-- Returns, request after request in one flat list, sliding-log.lua's answer for each:
-- {admitted, remaining_1, wait_1, ..., remaining_n, wait_n}. remaining is what limit k has left after the
-- request; wait is the ms until limit k next gets a permit back (when it rejects: until it can admit the
-- request, all `cost` permits of it).
if redis.replicate_commands then
  redis.replicate_commands()
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local n = tonumber(ARGV[2])
local first = 2 * n + 3
local count = {}
local window = {}
local longest = 0
for k = 1, n do
  count[k] = tonumber(ARGV[2 * k + 1])
  window[k] = tonumber(ARGV[2 * k + 2])
  if window[k] > longest then
    longest = window[k]
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - longest))
local before = redis.call('ZCARD', KEYS[1])
local used = {}
for k = 1, n do
  if window[k] < longest then
    used[k] = redis.call('ZCOUNT', KEYS[1], string.format('(%d', now - window[k]), '+inf')
  else
    used[k] = before
  end
end
-- the score of the i-th oldest entry (from 0) of the log with this run's admitted entries after it (all `now`)
local scores = {}
local function score(i)
  if i >= before then
    return now
  end
  local s = scores[i]
  if s == nil then
    s = tonumber(redis.call('ZRANGE', KEYS[1], i, i, 'WITHSCORES')[2])
    scores[i] = s
  end
  return s
end
local out = {}
local members = {}
local added = 0
for r = 1, #ARGV - first + 1 do
  local cost = tonumber(ARGV[first + r - 1])
  local total = before + added
  local at = #out
  local admitted = 1
  for k = 1, n do
    local u = used[k]
    local left = count[k] - u
    if left < 0 then
      left = 0
    end
    out[at + 2 * k] = left
    if u + cost > count[k] then
      -- the permit whose return lets this request in: the (u + cost - count)-th oldest in this window
      admitted = 0
      local i = total - count[k] + cost - 1
      if i >= total then
        out[at + 2 * k + 1] = window[k] -- more than the limit's count: never admitted
      else
        out[at + 2 * k + 1] = score(i) + window[k] - now
      end
    elseif u == 0 then
      out[at + 2 * k + 1] = window[k]
    else
      out[at + 2 * k + 1] = score(total - u) + window[k] - now
    end
  end
  out[at + 1] = admitted
  if admitted == 1 then
    for k = 1, n do
      used[k] = used[k] + cost
      out[at + 2 * k] = out[at + 2 * k] - cost
    end
    local id = ARGV[1] .. '.' .. r
    members[#members + 1] = now
    members[#members + 1] = id
    for j = 2, cost do
      members[#members + 1] = now
      members[#members + 1] = id .. '.' .. j
    end
    added = added + cost
  end
end
-- one ZADD (in slices that unpack safely)
local slice = 1000
for s = 1, #members, slice do
  redis.call('ZADD', KEYS[1], unpack(members, s, math.min(s + slice - 1, #members)))
end
if added > 0 then
  redis.call('PEXPIRE', KEYS[1], longest)
end
return out
