-- Completes one submission in one round trip: writes its record, then releases its lock, atomically, so
-- that a claim never finds the lock free and the record missing. The release is RLock's: the hold count
-- goes down, and at zero the lock hash is deleted and RLock's unlock message is published on the lock's
-- channel, which wakes RLock.tryLock waiters (replay mode). Published both ways (PUBLISH, and SPUBLISH
-- where Redis has it) so that waiters in either subscription mode are woken.
--
-- KEYS[1]   the lock (an RLock hash)
-- KEYS[2]   the completion record
-- KEYS[3]   the lock's channel (redisson_lock__channel:<lock>, in the lock's hash slot)
-- ARGV[1]   the record
-- ARGV[2]   how long the record is kept, ms
-- ARGV[3]   lock owner: <Redisson client id>:<owner id>
-- ARGV[4]   RLock's unlock message
--
-- Returns 1 when the lock was released, 0 when the owner still holds it (re-entered), -1 when the owner
-- no longer held it (its lease ran out while the request ran); the record is written in every case: the
-- submission did run.
redis.call('set', KEYS[2], ARGV[1], 'px', ARGV[2])
if redis.call('hexists', KEYS[1], ARGV[3]) == 0 then
  return -1
end
if redis.call('hincrby', KEYS[1], ARGV[3], -1) > 0 then
  return 0
end
redis.call('del', KEYS[1])
redis.call('publish', KEYS[3], ARGV[4])
redis.pcall('spublish', KEYS[3], ARGV[4])
return 1
