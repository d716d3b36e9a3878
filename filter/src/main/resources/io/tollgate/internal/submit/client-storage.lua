-- Counts the bytes of stored responses one client keeps, and says whether one more fits.
--
-- KEYS[1]  the client's counter (RedisKeys.clientStorage)
-- ARGV[1]  bytes the new record would keep
-- ARGV[2]  the most bytes a client may keep
-- ARGV[3]  how long the counter lives, in ms, from the first record it counts (keyWindow)
--
-- Returns 1 when the record fits (and counts it), 0 when it does not (nothing counted).
-- The counter is not lowered as records expire: it expires itself, after the longest a record lives.
local used = redis.call('incrby', KEYS[1], ARGV[1])
if redis.call('pttl', KEYS[1]) < 0 then
    redis.call('pexpire', KEYS[1], ARGV[3])
end
if used > tonumber(ARGV[2]) then
    redis.call('decrby', KEYS[1], ARGV[1])
    return 0
end
return 1
