using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Portal.Users;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Tests.Hosting;

/// <summary>
/// Bounded memory for failure counts never lets a throttled source off: a flood of new sources (cheap with IPv6, or a
/// spray of made-up emails) pushes out the sources that failed least, not the ones being refused.
/// </summary>
public sealed class FailureThrottleTests
{
    /// <summary>More sources than the throttle and the sign-in failures keep (100,000 each).</summary>
    private const int Flood = 100_010;

    [Fact]
    public void AThrottledSource_StaysThrottled_ThroughAFloodOfMoreSourcesThanTheThrottleKeeps()
    {
        var throttle = new FailureThrottle(Options.Create(new FailureThrottleOptions { Burst = 3, PerMinute = 1 }), TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure("op:2001:db8::bad");
        }

        Assert.True(throttle.IsThrottled("op:2001:db8::bad", out _));
        for (var i = 0; i < Flood; i++)
        {
            throttle.RecordFailure($"op:2001:db8::{i:x}:1");
        }

        Assert.True(throttle.IsThrottled("op:2001:db8::bad", out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void UnknownEmails_StillLockAfterFiveFailures_AndALockedOneStaysLocked_WhenMoreEmailsFailedThanAreKept()
    {
        var failures = new SignInFailures();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < UserService.FailuresBeforeLockout; i++)
        {
            failures.Fail("known-to-the-attacker@example.com", now);
        }

        for (var i = 0; i < Flood; i++)
        {
            failures.Fail($"spray-{i}@example.com", now);
        }

        var locks = Enumerable.Range(0, UserService.FailuresBeforeLockout).Select(_ => failures.Fail("probe@example.com", now)).ToList();

        Assert.All(locks.SkipLast(1), Assert.Null);
        Assert.Equal(now + UserService.LockoutDuration, locks[^1]);
        Assert.Equal(now + UserService.LockoutDuration, failures.Fail("known-to-the-attacker@example.com", now.AddMinutes(1)));
    }
}
