using CommerceServices.Platform.Hosting;

namespace CommerceServices.Platform.Tests.Hosting;

/// <summary>The one keyed bucket table behind the gateway's rate limit, the failure throttle and the key allowance.</summary>
public sealed class TokenBucketTableTests
{
    [Fact]
    public void TheSustainedRate_IsExact_WhateverItsValue()
    {
        var clock = new ManualClock();
        var buckets = new TokenBucketTable(perSecond: 5, burst: 1, capacity: 10, clock);

        var admitted = 0;
        for (var tick = 0; tick < 10_000; tick++) // ten seconds in steps of a millisecond
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            admitted += buckets.TryTake("key", out _) ? 1 : 0;
        }

        Assert.InRange(admitted, 50, 51); // 5 a second, and the one the bucket started with
    }

    [Fact]
    public void AFlood_OfNewKeys_StaysWithinTheCapacity_AndNeverReleasesAKeyBeingRefused()
    {
        var clock = new ManualClock(); // no time passes: nothing refills
        var buckets = new TokenBucketTable(perSecond: 1, burst: 3, capacity: 1_000, clock);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(buckets.TryTake("abuser", out _));
        }

        for (var i = 0; i < 50_000; i++)
        {
            buckets.TryTake($"flood-{i}", out _);
            Assert.InRange(buckets.Count, 1, 1_000);
        }

        Assert.True(buckets.IsEmpty("abuser", out var retryAfter));
        Assert.False(buckets.TryTake("abuser", out _));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(0.99), TimeSpan.FromSeconds(1.01));
    }

    [Fact]
    public void TheFullestBuckets_GoFirst_TheMostSpentStay()
    {
        var clock = new ManualClock();
        var buckets = new TokenBucketTable(perSecond: 1, burst: 10, capacity: 100, clock);
        for (var key = 0; key < 100; key++)
        {
            for (var spent = 0; spent < key % 10; spent++)
            {
                buckets.Spend($"key-{key}");
            }
        }

        buckets.TryTake("one-more", out _); // over capacity: a tenth of it is freed, the fullest first

        Assert.InRange(buckets.Count, 80, 100);
        for (var key = 0; key < 100; key++)
        {
            // The most spent (9 of 10 spent) are kept: one token left each, exactly as before the sweep.
            if (key % 10 == 9)
            {
                Assert.True(buckets.TryTake($"key-{key}", out _));
                Assert.True(buckets.IsEmpty($"key-{key}", out _));
            }
        }
    }

    [Fact]
    public void WhenEveryKeptBucketIsBeingRefused_NewKeysShareAFewOverflowBuckets_NoneGetsAFreshOne()
    {
        var clock = new ManualClock();
        var buckets = new TokenBucketTable(perSecond: 1, burst: 1, capacity: 100, clock);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(buckets.TryTake($"throttled-{i}", out _));
        }

        var admitted = Enumerable.Range(0, 10_000).Count(i => buckets.TryTake($"new-{i}", out _));

        Assert.Equal(100, buckets.Count);
        Assert.InRange(admitted, 1, 16); // one per overflow bucket at most, not one per new key
        Assert.All(Enumerable.Range(0, 100), i => Assert.True(buckets.IsEmpty($"throttled-{i}", out _)));
    }

    [Fact]
    public void ATokenGivenBack_CanBeTakenAgain_UpToTheBurst()
    {
        var clock = new ManualClock();
        var buckets = new TokenBucketTable(perSecond: 1, burst: 2, capacity: 10, clock);
        Assert.True(buckets.TryTake("account", out _));
        Assert.True(buckets.TryTake("account", out _));
        Assert.False(buckets.TryTake("account", out _));

        buckets.Return("account");
        buckets.Return("account");
        buckets.Return("account");

        Assert.True(buckets.TryTake("account", out _));
        Assert.True(buckets.TryTake("account", out _));
        Assert.False(buckets.TryTake("account", out _));
    }

    [Fact]
    public async Task ManyThreads_TakingFromOneKey_WhileOthersFloodTheTable_GetExactlyTheBurst()
    {
        // Rounds, since it is a race: a sweep picked the busy bucket while it was full and dropped it once it was being
        // drained, or the key went through an overflow bucket and then got a full one of its own, or its bucket tied
        // with the flood's and went (693, 697 and 501 admitted in full runs; 11 rounds in 400 on the first code, none in
        // 1,000 under load on this one).
        var admittedPerRound = new List<int>();
        for (var round = 0; round < 40; round++)
        {
            var buckets = new TokenBucketTable(perSecond: 1, burst: 500, capacity: 200, new ManualClock());
            var admitted = 0;
            await Task.WhenAll(
                Task.Run(() =>
                {
                    for (var i = 0; i < 20_000; i++)
                    {
                        buckets.TryTake($"flood-{i}", out _);
                    }
                }),
                Task.Run(() =>
                {
                    for (var i = 0; i < 1_000; i++)
                    {
                        if (buckets.TryTake("busy", out _))
                        {
                            Interlocked.Increment(ref admitted);
                        }
                    }
                }));
            admittedPerRound.Add(admitted);
        }

        Assert.All(admittedPerRound, admitted => Assert.Equal(500, admitted));
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _timestamp = 1_000_000_000;

        public override long TimestampFrequency => 1_000_000_000;

        public override long GetTimestamp() => Interlocked.Read(ref _timestamp);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _timestamp, by.Ticks * 100);
    }
}
