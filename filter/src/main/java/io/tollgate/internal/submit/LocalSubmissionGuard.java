package io.tollgate.internal.submit;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The in-process guard of {@code onBackendFailure=local}: the same claims, in-flight locks and completion
 * records as the Redis guard, for one app instance. The filter takes it for every guarded request, before
 * Redis, so that when Redis is down, or one request's claim did not answer in time, duplicates on the same
 * instance are still stopped (and replayed, when the first ran here); across instances only Redis can.
 *
 * <p>Bounded: at most {@link #MAX_ENTRIES} submissions and {@link #MAX_RECORD_BYTES} bytes of records are
 * kept; past that, the oldest completed records are dropped first (a quarter of the table at a time, so that
 * a full table costs O(1) per claim) (a repeat of those runs again when Redis
 * cannot answer for them either). Answers at once, except {@link #await}, which blocks its caller.
 */
public final class LocalSubmissionGuard implements SubmissionGuard {

    /** Most submissions (running or completed) kept. */
    public static final int MAX_ENTRIES = 10_000;
    /** Most bytes of completion records kept (a replayed response is at most maxResponseBytes). */
    public static final long MAX_RECORD_BYTES = 16L * 1024 * 1024;

    private static final class Entry {
        long owner;
        long lockedUntil;
        boolean locked;
        byte[] record;
        long recordUntil;
    }

    private final LongSupplier nanoClock;
    private final int maxEntries;
    private final long maxRecordBytes;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private long recordBytes;
    /** A full table of running requests frees nothing before this (the first lease to end), unless one ends. */
    private long noRoomUntil;
    private boolean noRoom;
    private long sweeps;

    public LocalSubmissionGuard() {
        this(System::nanoTime, MAX_ENTRIES, MAX_RECORD_BYTES);
    }

    LocalSubmissionGuard(LongSupplier nanoClock, int maxEntries, long maxRecordBytes) {
        this.nanoClock = nanoClock;
        this.maxEntries = maxEntries;
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public synchronized CompletionStage<Claim> claim(String id, long owner, Duration lease) {
        return CompletableFuture.completedFuture(claimNow(id, owner, lease, nanoClock.getAsLong()));
    }

    private Claim claimNow(String id, long owner, Duration lease, long now) {
        Entry e = entries.get(id);
        if (e != null) {
            if (e.record != null && now - e.recordUntil < 0) {
                return new Claim(SubmissionState.DONE, e.record);
            }
            if (e.locked && now - e.lockedUntil < 0) {
                return new Claim(SubmissionState.IN_FLIGHT, null);
            }
            drop(id, e);
        }
        if (entries.size() >= maxEntries && (noRoom && now - noRoomUntil < 0 || !makeRoom(now))) {
            return new Claim(SubmissionState.RUN, null); // every entry is a running request: this one runs untracked
        }
        Entry mine = new Entry();
        mine.owner = owner;
        mine.locked = true;
        mine.lockedUntil = now + lease.toNanos();
        entries.put(id, mine);
        return new Claim(SubmissionState.RUN, null);
    }

    @Override
    public synchronized CompletionStage<Claim> await(String id, long owner, Duration lease, Duration wait) {
        long deadline = nanoClock.getAsLong() + wait.toNanos();
        while (true) {
            long now = nanoClock.getAsLong();
            Claim claim = claimNow(id, owner, lease, now);
            if (claim.state() != SubmissionState.IN_FLIGHT || deadline - now <= 0) {
                return CompletableFuture.completedFuture(claim);
            }
            long left = Math.min(deadline - now, entries.get(id).lockedUntil - now);
            try {
                TimeUnit.NANOSECONDS.timedWait(this, Math.max(1, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    @Override
    public synchronized CompletionStage<Void> complete(String id, long owner, byte[] record, Duration keep) {
        Entry e = entries.get(id);
        if (e != null && e.locked && e.owner == owner) {
            e.locked = false;
            noRoom = false; // a running request ended: a full table may have room again
            if (record.length <= maxRecordBytes) {
                recordBytes += record.length;
                e.record = record;
                e.recordUntil = nanoClock.getAsLong() + keep.toNanos();
                // kept in completion order: the oldest records are dropped first
                entries.remove(id);
                entries.put(id, e);
                while (recordBytes > maxRecordBytes && dropOldestRecord()) {
                    // one more dropped
                }
            } else {
                drop(id, e);
            }
            notifyAll();
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<Void> abandon(String id, long owner) {
        Entry e = entries.get(id);
        if (e != null && e.locked && e.owner == owner) {
            drop(id, e);
            notifyAll();
        }
        return CompletableFuture.completedFuture(null);
    }

    private void drop(String id, Entry e) {
        noRoom = false;
        entries.remove(id);
        if (e.record != null) {
            recordBytes -= e.record.length;
        }
    }

    /**
     * Drops expired entries, then the oldest completed records until a quarter of the table is free: one sweep
     * per quarter of the table filled, so a full table costs O(1) per claim, amortised. False when every entry is
     * a running request; then no sweep runs again before the first of their leases ends, or one of them ends.
     */
    private boolean makeRoom(long now) {
        sweeps++;
        long firstLeaseEnd = Long.MAX_VALUE;
        boolean anyLease = false;
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Entry e = it.next().getValue();
            boolean recordGone = e.record == null || now - e.recordUntil >= 0;
            boolean lockGone = !e.locked || now - e.lockedUntil >= 0;
            if (recordGone && lockGone) {
                it.remove();
                if (e.record != null) {
                    recordBytes -= e.record.length;
                }
            } else if (e.locked && !lockGone && (!anyLease || e.lockedUntil - firstLeaseEnd < 0)) {
                firstLeaseEnd = e.lockedUntil;
                anyLease = true;
            }
        }
        int target = maxEntries - Math.max(1, maxEntries / 4);
        while (entries.size() > target && dropOldestRecord()) {
            // one more dropped
        }
        if (entries.size() < maxEntries) {
            return true;
        }
        noRoom = true;
        noRoomUntil = firstLeaseEnd;
        return false;
    }

    /** How often the table was swept (for tests: a full table must not be swept on every claim). */
    synchronized long sweeps() {
        return sweeps;
    }

    private boolean dropOldestRecord() {
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Entry e = it.next().getValue();
            if (e.record != null && !e.locked) {
                it.remove();
                recordBytes -= e.record.length;
                return true;
            }
        }
        return false;
    }
}
