namespace CommerceServices.Platform.Payments;

/// <summary>A payment recorded by Payment Services, in the data space of the instance that made it.</summary>
public sealed class Payment
{
    public required string Id { get; init; }

    public required string DataSpaceId { get; init; }

    public required string Reference { get; init; }

    /// <summary>In minor units (cents).</summary>
    public long Amount { get; init; }

    public required string Currency { get; init; }

    public required string Status { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
