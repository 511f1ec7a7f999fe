using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommerceServices.Platform.Traffic;

/// <summary>
/// Gateway calls of one minute, environment, service and outcome (<see cref="TrafficOutcomes"/>), summed over every node.
/// Written in batches by <see cref="TrafficRecorder"/>; kept <see cref="TrafficOptions.RetentionDays"/> days.
/// </summary>
public sealed class TrafficMinute
{
    public DateTimeOffset Minute { get; init; }

    /// <summary><c>sandbox</c> or <c>production</c>.</summary>
    public required string Environment { get; init; }

    /// <summary>The service the call was for (<see cref="GatewayServiceMetadata"/>), <c>other</c> when none is named.</summary>
    public required string Service { get; init; }

    public required string Outcome { get; init; }

    public long Count { get; set; }
}

/// <summary>
/// Refused gateway calls of one minute per API key and refusal code: what the top lists and an account's recent
/// refusals are made of. Keys of other nodes' and unknown keys count too; past
/// <see cref="TrafficOptions.RefusedKeysPerMinute"/> distinct keys in a minute a node sums the rest under
/// <see cref="TrafficOutcomes.OtherKeys"/>, so a flood of made-up keys cannot grow the table without bound.
/// </summary>
public sealed class TrafficRefusal
{
    public DateTimeOffset Minute { get; init; }

    /// <summary>The presented API key when it was well-formed; <see cref="TrafficOutcomes.NoKey"/> or <see cref="TrafficOutcomes.OtherKeys"/> otherwise.</summary>
    public required string ApiKey { get; init; }

    public required string Outcome { get; init; }

    /// <summary>The account owning <see cref="ApiKey"/>, or empty when no account has that key.</summary>
    public required string AccountId { get; set; }

    public long Count { get; set; }
}

/// <summary>The outcomes a gateway call is counted under: accepted, a refusal code, or an error of the service behind.</summary>
public static class TrafficOutcomes
{
    public const string Accepted = "accepted";

    /// <summary>The service behind the gateway failed (5xx) or threw.</summary>
    public const string UpstreamError = "upstream_error";

    /// <summary>The "key" of refusals that carried no well-formed API key.</summary>
    public const string NoKey = "(no valid key)";

    /// <summary>The "key" of refusals past a minute's cap of distinct keys.</summary>
    public const string OtherKeys = "(other keys)";
}

internal sealed class TrafficMinuteConfiguration : IEntityTypeConfiguration<TrafficMinute>
{
    public void Configure(EntityTypeBuilder<TrafficMinute> builder)
    {
        builder.ToTable("TrafficMinutes");
        builder.HasKey(t => new { t.Minute, t.Environment, t.Service, t.Outcome });
    }
}

internal sealed class TrafficRefusalConfiguration : IEntityTypeConfiguration<TrafficRefusal>
{
    public void Configure(EntityTypeBuilder<TrafficRefusal> builder)
    {
        builder.ToTable("TrafficRefusals");
        builder.HasKey(t => new { t.Minute, t.ApiKey, t.Outcome });
        builder.Property(t => t.AccountId).IsRequired();
        builder.HasIndex(t => new { t.AccountId, t.Minute });
    }
}
