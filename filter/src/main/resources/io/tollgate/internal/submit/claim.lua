-- Claims one submission in one round trip: reads its completion record and takes its lock in one atomic
-- step, so that no completion can fall between the two. The lock is a Redisson RLock, written exactly as
-- RLock.tryLock(0, lease, owner) writes it (a hash holding <client id>:<owner> -> hold count, expiring
-- with the lease): RLock's own unlock, isLocked and waiters see it as theirs. A claim that takes the lock is
-- given a fencing token: a number that only increases per submission (HINCRBY on the fence's 'next'), which
-- its completion must present (complete.lua refuses one older than the stored record's).
--
-- KEYS[1]   the lock (an RLock hash)
-- KEYS[2]   the completion record
-- KEYS[3]   the fence (a hash: next = the last token given, done = the token of the stored record)
-- ARGV[1]   lease, ms
-- ARGV[2]   lock owner: <Redisson client id>:<owner id>
--
-- Returns {0, token} when the caller now holds the lock and must run the submission (RUN), {1} when another
-- request holds it (IN_FLIGHT), {2, record} when the submission completed within its window (DONE; the
-- lock is not taken).
local record = redis.call('get', KEYS[2])
if record then
  return {2, record}
end
if (redis.call('exists', KEYS[1]) == 0) or (redis.call('hexists', KEYS[1], ARGV[2]) == 1) then
  redis.call('hincrby', KEYS[1], ARGV[2], 1)
  redis.call('pexpire', KEYS[1], ARGV[1])
  local token = redis.call('hincrby', KEYS[3], 'next', 1)
  -- the fence lives as long as the lock, or the record (complete.lua), whichever is longer
  if redis.call('pttl', KEYS[3]) < tonumber(ARGV[1]) then
    redis.call('pexpire', KEYS[3], ARGV[1])
  end
  return {0, token}
end
return {1}
