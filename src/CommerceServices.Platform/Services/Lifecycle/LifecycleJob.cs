using CommerceServices.Protocol.Registry;

namespace CommerceServices.Platform.Services.Lifecycle;

/// <summary>
/// A copy or a delete of a data space across every service that holds data in it (table <c>LifecycleJobs</c>). It
/// cannot be one transaction, so it is recorded: each service is a <see cref="LifecycleJobStep"/>, tried until it
/// confirms, and the job is done when every step is. A delete's data space goes only then. Running a job again is safe:
/// the contract's copy and delete are idempotent.
/// </summary>
public sealed class LifecycleJob
{
    public const string Copy = "copy";
    public const string Delete = "delete";

    public required string Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary><see cref="Copy"/> or <see cref="Delete"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The data space copied into, or deleted.</summary>
    public required string DataSpaceId { get; init; }

    /// <summary>The data space copied from (copies only).</summary>
    public string? FromDataSpaceId { get; init; }

    /// <summary>One of <see cref="LifecycleJobStatuses"/>.</summary>
    public required string Status { get; set; }

    /// <summary>Who asked for it, for the audit entry written when it is done.</summary>
    public required string Actor { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>When a node should next try the steps still pending.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>A node working on the job holds it until then, so two nodes never run one job at once.</summary>
    public DateTimeOffset? LeasedUntil { get; set; }

    public List<LifecycleJobStep> Steps { get; init; } = [];
}

/// <summary>One service's part of a <see cref="LifecycleJob"/> (table <c>LifecycleJobSteps</c>).</summary>
public sealed class LifecycleJobStep
{
    public const string Skipped = "skipped";

    public required string JobId { get; init; }

    public required string Service { get; init; }

    /// <summary><see cref="LifecycleJobStatuses.Pending"/>, <see cref="LifecycleJobStatuses.Done"/>, or <see cref="Skipped"/> for a service removed meanwhile.</summary>
    public required string Status { get; set; }

    /// <summary>Items copied or deleted, once done.</summary>
    public int? Items { get; set; }

    public int Attempts { get; set; }

    /// <summary>Why the last try failed, for people.</summary>
    public string? LastError { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }
}
