using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CommerceServices.Platform.Webhooks.Delivery;

/// <summary>
/// When a failed delivery is tried again. The retries are points in time counted from the delivery's first attempt:
/// retry n is due <c>Webhooks:RetrySchedule</c>[n-1] after retry n-1 was due, each step stretched or shrunk by up to 20%
/// (the jitter, fixed per delivery so its points never move, and different between deliveries so that a burst of
/// failures does not come back as a burst). After a failure the delivery waits for the next point still ahead; when none
/// is left it has failed for good. So an early attempt (a probe of an endpoint that is down) never uses up a retry, and
/// the retries end about 3 days after the first attempt with the default schedule.
/// </summary>
public sealed class RetrySchedule(IReadOnlyList<TimeSpan> delays)
{
    private const double Jitter = 0.2;

    /// <summary>The next retry after <paramref name="now"/>, or null when the schedule is used up.</summary>
    public DateTimeOffset? NextAfter(string deliveryId, DateTimeOffset firstAttemptAt, DateTimeOffset now)
    {
        var due = firstAttemptAt;
        for (var step = 0; step < delays.Count; step++)
        {
            due += delays[step] * (1 + Spread(deliveryId, step));
            if (due > now)
            {
                return due;
            }
        }

        return null;
    }

    /// <summary>The latest moment any delivery's last retry can be due, counted from its first attempt.</summary>
    public TimeSpan Longest => delays.Aggregate(TimeSpan.Zero, (sum, delay) => sum + delay * (1 + Jitter));

    /// <summary>A number in [-20%, +20%] that depends only on the delivery and the step.</summary>
    private static double Spread(string deliveryId, int step)
    {
        var hash = BinaryPrimitives.ReadUInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{deliveryId}:{step}")));
        return ((hash / (double)uint.MaxValue) * 2 - 1) * Jitter;
    }
}
