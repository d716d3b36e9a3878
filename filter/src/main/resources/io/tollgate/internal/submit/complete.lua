-- Completes one submission in one round trip: writes its record, then releases its lock, atomically, so
-- that a claim never finds the lock free and the record missing. The release is RLock's: the hold count
-- goes down, and at zero the lock hash is deleted and RLock's unlock message is published on the lock's
-- channel, which wakes RLock.tryLock waiters (replay mode). Published both ways (PUBLISH, and SPUBLISH
-- where Redis has it) so that waiters in either subscription mode are woken.
--
-- Fencing: a completion presents its claim's token. One older than the token of the stored record (a later
-- claim of the same submission already completed: this one lost its lock, to its lease or to a failover)
-- is refused: the record is never overwritten by it. Token 0: no fencing (written as before).
--
-- KEYS[1]   the lock (an RLock hash)
-- KEYS[2]   the completion record
-- KEYS[3]   the lock's channel (redisson_lock__channel:<lock>, in the lock's hash slot)
-- KEYS[4]   the fence (a hash: next = the last token given, done = the token of the stored record)
-- ARGV[1]   the record
-- ARGV[2]   how long the record is kept, ms
-- ARGV[3]   lock owner: <Redisson client id>:<owner id>
-- ARGV[4]   RLock's unlock message
-- ARGV[5]   the claim's fencing token (0: none)
--
-- Returns 1 when the lock was released, 0 when the owner still holds it (re-entered), -1 when the owner
-- no longer held it (its lease ran out while the request ran); the record is written in every case: the
-- submission did run. Returns -2 when the token was stale: nothing written (a lock the owner still held is
-- released all the same).
local token = tonumber(ARGV[5])
local stale = false
if token > 0 then
  local done = tonumber(redis.call('hget', KEYS[4], 'done'))
  stale = done ~= nil and token < done
end
if not stale then
  redis.call('set', KEYS[2], ARGV[1], 'px', ARGV[2])
  if token > 0 then
    redis.call('hset', KEYS[4], 'done', token)
    if redis.call('pttl', KEYS[4]) < tonumber(ARGV[2]) then
      redis.call('pexpire', KEYS[4], ARGV[2])
    end
  end
end
local released
if redis.call('hexists', KEYS[1], ARGV[3]) == 0 then
  released = -1
elseif redis.call('hincrby', KEYS[1], ARGV[3], -1) > 0 then
  released = 0
else
  redis.call('del', KEYS[1])
  redis.call('publish', KEYS[3], ARGV[4])
  redis.pcall('spublish', KEYS[3], ARGV[4])
  released = 1
end
if stale then
  return -2
end
return released
