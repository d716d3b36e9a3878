-- Gives permits back to a Redisson RRateLimiter of type OVERALL, for Redisson versions without
-- RRateLimiter.release (before 3.52): the limiter's count of available permits goes up by ARGV[1], never
-- above its rate, and keeps its expiry. The permit stays in the limiter's log; when it falls out of the
-- window, Redisson's own acquire script caps the count at the rate again.
--
-- KEYS[1]   the limiter's configuration hash (rate, interval, type)
-- KEYS[2]   its count of available permits ({NAME}:value)
-- ARGV[1]   permits to give back
--
-- Returns the count after the release, or nil when the limiter holds no count (expired or never used:
-- nothing to give back).
local rate = redis.call('hget', KEYS[1], 'rate')
if rate == false or redis.call('exists', KEYS[2]) == 0 then
  return nil
end
local value = redis.call('incrby', KEYS[2], ARGV[1])
if value > tonumber(rate) then
  value = redis.call('decrby', KEYS[2], value - tonumber(rate))
end
return value
