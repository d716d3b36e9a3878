-- Charges the bytes of one stored response to its client for as long as the response is kept, and says
-- whether it fits within the client's bound.
--
-- KEYS[1]  the client's total of bytes charged now (RedisKeys.clientStorage), a string
-- KEYS[2]  the client's charges (RedisKeys.clientStorageCharges): a sorted set, one member per stored
--          response ("BYTES:ID"), scored with the time (ms, Redis's clock) its record expires
-- ARGV[1]  bytes the new record keeps
-- ARGV[2]  the most bytes a client may keep
-- ARGV[3]  how long the new record is kept, in ms (window, or keyWindow for keyed requests)
-- ARGV[4]  a unique id for this charge
--
-- Returns 1 when the record fits (and is charged until it expires), 0 when it does not (nothing charged).
-- Expired charges are taken off first, each once: the work is O(log n) per charge, amortised. Both keys
-- expire with the longest charge, so an idle client leaves nothing behind.
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local bytes = tonumber(ARGV[1])
local used = 0
if redis.call('zcard', KEYS[2]) > 0 then
    used = tonumber(redis.call('get', KEYS[1]) or '0')
    local gone = redis.call('zrangebyscore', KEYS[2], '-inf', now)
    if #gone > 0 then
        for _, member in ipairs(gone) do
            used = used - tonumber(string.match(member, '^(%d+):'))
        end
        redis.call('zremrangebyscore', KEYS[2], '-inf', now)
    end
    if used < 0 then
        used = 0
    end
end
-- the total is what the live charges add up to (zero without any, whatever an older counter left); both
-- keys live as long as the longest charge
local function keep(total)
    if total <= 0 or redis.call('zcard', KEYS[2]) == 0 then
        redis.call('del', KEYS[1], KEYS[2])
        return
    end
    local last = redis.call('zrange', KEYS[2], -1, -1, 'withscores')
    redis.call('set', KEYS[1], total)
    redis.call('pexpireat', KEYS[1], last[2])
    redis.call('pexpireat', KEYS[2], last[2])
end
if used + bytes > tonumber(ARGV[2]) then
    keep(used)
    return 0
end
redis.call('zadd', KEYS[2], now + tonumber(ARGV[3]), ARGV[1] .. ':' .. ARGV[4])
keep(used + bytes)
return 1
