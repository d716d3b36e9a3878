-- Tollgate's rate limiter: a sliding log. One sorted set per client of a policy holds the time (ms,
-- Redis clock) of every admitted request still inside the policy's longest window; each member is a
-- unique permit id. A permit comes back exactly one window after it was taken. All limits of a policy
-- are decided at once: a request is admitted by all of them or recorded by none.
--
-- KEYS[1]         the log
-- ARGV[1]         permit id to record when admitted
-- ARGV[2k], ARGV[2k+1]  count and window (ms) of limit k, k = 1..n
--
-- Returns {admitted, remaining_1, wait_1, ..., remaining_n, wait_n}: admitted is 1 or 0; remaining is
-- what limit k has left after this request; wait is the ms until limit k next gets a permit back (when
-- it rejects: until it can admit one request).
if redis.replicate_commands then
  redis.replicate_commands()
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local n = (#ARGV - 1) / 2
local longest = 0
for k = 1, n do
  local window = tonumber(ARGV[2 * k + 1])
  if window > longest then
    longest = window
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - longest))
local total = redis.call('ZCARD', KEYS[1])
local out = {1}
for k = 1, n do
  local count = tonumber(ARGV[2 * k])
  local window = tonumber(ARGV[2 * k + 1])
  local used = total
  if window < longest then
    used = redis.call('ZCOUNT', KEYS[1], string.format('(%d', now - window), '+inf')
  end
  if used >= count then
    -- the permit whose return lets one request in: the (used - count + 1)-th oldest in this window
    local entry = redis.call('ZRANGE', KEYS[1], total - count, total - count, 'WITHSCORES')
    out[1] = 0
    out[2 * k] = 0
    out[2 * k + 1] = tonumber(entry[2]) + window - now
  elseif used == 0 then
    out[2 * k] = count
    out[2 * k + 1] = window
  else
    local oldest = redis.call('ZRANGE', KEYS[1], total - used, total - used, 'WITHSCORES')
    out[2 * k] = count - used
    out[2 * k + 1] = tonumber(oldest[2]) + window - now
  end
end
if out[1] == 1 then
  redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], longest)
  for k = 1, n do
    out[2 * k] = out[2 * k] - 1
  end
end
return out
