using System.Collections.Concurrent;

namespace CommerceServices.Platform.Portal.Users;

/// <summary>
/// Failed sign-ins for emails that have no user, kept in memory so they lock exactly like real ones (5 in a row lock the
/// email for 15 minutes), and the answer never tells whether an email exists. Losing them on restart only unlocks emails
/// nobody owns.
/// <para>
/// Bounded without telling anything: at most <see cref="Capacity"/> emails are tracked. Past it, the emails that failed
/// least go first (unlocked, fewest failures), never a locked one; an email that comes while every tracked one is locked
/// is counted in one of a few shared overflow entries picked by a hash that changes with every process. Each failed
/// sign-in costs a password hash, so filling the table with locked emails would take more than a node can hash in the
/// 15 minutes a lock lasts.
/// </para>
/// </summary>
public sealed class SignInFailures
{
    internal const int Capacity = 100_000;

    private const double SweepShare = 0.1;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Entry[] _overflow = Enumerable.Range(0, 256).Select(_ => new Entry()).ToArray();
    private int _count;
    private int _sweeping;

    /// <summary>Emails tracked now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Counts a failed sign-in of <paramref name="email"/>; the time it is locked until, when it is locked.</summary>
    public DateTimeOffset? Fail(string email, DateTimeOffset now)
    {
        while (true)
        {
            var entry = EntryOf(email, now);
            lock (entry)
            {
                if (entry.Removed)
                {
                    continue;
                }

                if (entry.LockedUntil is { } locked && locked > now)
                {
                    return locked;
                }

                if (entry.LockedUntil is not null)
                {
                    entry.LockedUntil = null; // the lock is over: counting starts again, as for a real user
                    entry.Failures = 0;
                }

                if (++entry.Failures >= UserService.FailuresBeforeLockout)
                {
                    entry.Failures = 0;
                    entry.LockedUntil = now + UserService.LockoutDuration;
                    return entry.LockedUntil;
                }

                return null;
            }
        }
    }

    private Entry EntryOf(string email, DateTimeOffset now)
    {
        if (_entries.TryGetValue(email, out var entry))
        {
            return entry;
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (Interlocked.Increment(ref _count) <= Capacity)
            {
                var made = new Entry();
                var kept = _entries.GetOrAdd(email, made);
                if (!ReferenceEquals(kept, made))
                {
                    Interlocked.Decrement(ref _count);
                }

                return kept;
            }

            Interlocked.Decrement(ref _count);
            Sweep(now);
            if (_entries.TryGetValue(email, out entry))
            {
                return entry;
            }
        }

        return _overflow[(uint)email.GetHashCode() % (uint)_overflow.Length];
    }

    /// <summary>Drops the emails that failed least until a tenth of the capacity is free; never a locked one.</summary>
    private void Sweep(DateTimeOffset now)
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            var candidates = new List<(int Failures, string Email, Entry Entry)>();
            foreach (var (email, entry) in _entries)
            {
                lock (entry)
                {
                    if (entry.LockedUntil is not { } locked || locked <= now)
                    {
                        candidates.Add((entry.LockedUntil is null ? entry.Failures : 0, email, entry));
                    }
                }
            }

            candidates.Sort((a, b) => a.Failures.CompareTo(b.Failures));
            var toFree = Count - (int)(Capacity * (1 - SweepShare));
            foreach (var (_, email, entry) in candidates)
            {
                if (toFree <= 0)
                {
                    break;
                }

                lock (entry)
                {
                    if ((entry.LockedUntil is { } locked && locked > now) || !_entries.TryRemove(new KeyValuePair<string, Entry>(email, entry)))
                    {
                        continue;
                    }

                    entry.Removed = true;
                }

                Interlocked.Decrement(ref _count);
                toFree--;
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private sealed class Entry
    {
        public int Failures;
        public DateTimeOffset? LockedUntil;
        public bool Removed;
    }
}
