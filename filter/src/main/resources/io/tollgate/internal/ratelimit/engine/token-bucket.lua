-- Tollgate's token bucket: GCRA (the generic cell rate algorithm, as redis-cell's CL.THROTTLE). One string
-- key per client of a policy holds, per limit, the theoretical arrival time (TAT): when that limit's bucket
-- would be full again. A limit of count/period with burst B refills one permit every T = period / count and
-- holds at most B, so a request of cost c is admitted when max(TAT, now) + c * T - now <= B * T. All limits
-- of a policy are decided at once: a request is admitted by all of them or changes none. Memory is one short
-- value per limit whatever the count; the key expires when every bucket is full again (it then says nothing).
--
-- One run decides one request or several for one key: the requests one JVM got for this key while its
-- previous call was in flight (HotKeyCombiner), one after the other in their order, exactly as separate
-- runs in that order would have, at one Redis time. The state is read once and written once.
--
-- Times are microseconds since 2025-01-01 (Redis clock) as decimals: a double holds them to 1/64 us
-- until 2029, so T down to 1 us refills exactly enough.
--
-- KEYS[1]         the state: "TAT_1 TAT_2 ... TAT_n"
-- ARGV[1]         n, the number of limits
-- ARGV[3k-1], ARGV[3k], ARGV[3k+1]  count, period (ms) and burst of limit k, k = 1..n
-- ARGV[3n+2 ...]  the cost of each request, in arrival order: c > 0 takes c permits of every limit (1 for a
--                 request through RateLimitFilter); c < 0 gives -c back to every limit (a give-back, alone)
--
-- Returns, request after request in one flat list, {admitted, remaining_1, wait_1, ..., remaining_n, wait_n}:
-- admitted is 1 or 0 (give back: 1); remaining is what limit k has left after the request; wait is the ms
-- until limit k has one more permit (when it rejects: until it admits the request, all `cost` permits of it;
-- 0 when its bucket is full).
if redis.replicate_commands then
  redis.replicate_commands()
end
local time = redis.call('TIME')
local now = (tonumber(time[1]) - 1735689600) * 1000000 + tonumber(time[2])
local n = tonumber(ARGV[1])
local first = 3 * n + 2
local stored = {}
local raw = redis.call('GET', KEYS[1])
if raw then
  for v in string.gmatch(raw, '%S+') do
    stored[#stored + 1] = tonumber(v)
  end
end
local tat = {}
local step = {}
local room = {}
for k = 1, n do
  local count = tonumber(ARGV[3 * k - 1])
  step[k] = tonumber(ARGV[3 * k]) * 1000 / count
  room[k] = tonumber(ARGV[3 * k + 1]) * step[k]
  -- a state of other limits (the policy changed) is kept by position: what was spent stays spent
  local t = stored[k]
  if t == nil or t < now then
    t = now
  end
  tat[k] = t
end
-- 1/100 us of slack: sums of decimals must not reject the permit that exactly fits
local slack = 0.01
local changed = false
local out = {}
for r = 1, #ARGV - first + 1 do
  local cost = tonumber(ARGV[first + r - 1])
  local admitted = 1
  if cost > 0 then
    for k = 1, n do
      if tat[k] + cost * step[k] - now > room[k] + slack then
        admitted = 0
      end
    end
    if admitted == 1 then
      for k = 1, n do
        tat[k] = tat[k] + cost * step[k]
      end
      changed = true
    end
  else
    for k = 1, n do
      tat[k] = math.max(now, tat[k] + cost * step[k])
    end
    changed = true
  end
  local at = #out
  out[at + 1] = admitted
  for k = 1, n do
    local ahead = tat[k] - now
    local remaining = math.floor((room[k] - ahead) / step[k] + slack / step[k])
    if remaining < 0 then
      remaining = 0
    end
    local wait = ahead - room[k] + step[k] * (remaining + 1)
    if admitted == 0 and ahead + cost * step[k] > room[k] + slack then
      wait = ahead + cost * step[k] - room[k]
    elseif ahead <= slack then
      wait = 0
    end
    out[at + 2 * k] = remaining
    out[at + 2 * k + 1] = math.ceil(wait / 1000)
  end
end
if changed then
  local longest = 0
  local values = {}
  for k = 1, n do
    local ahead = tat[k] - now
    if ahead > longest then
      longest = ahead
    end
    values[k] = string.format('%.3f', tat[k])
  end
  if longest > 0 then
    redis.call('SET', KEYS[1], table.concat(values, ' '), 'PX', math.ceil(longest / 1000))
  else
    redis.call('DEL', KEYS[1])
  end
end
return out
