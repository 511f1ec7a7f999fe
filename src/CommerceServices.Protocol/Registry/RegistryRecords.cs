namespace CommerceServices.Protocol.Registry;

// The merchant registry's requests and answers through the gateway (DESIGN.md section 3), and the data space views the
// management API shares with it. Defined once here: the platform writes them, the connector and the CLI read them.
// The flat /registry listing lives beside this file, in RegistryListing.cs.

/// <summary>The anonymous <c>GET /merchant-registry/v1/gateway</c>: which gateway answered, and its clock.</summary>
public sealed record GatewayInfo(string Environment, DateTimeOffset ServerTime);

/// <summary>A data space; <see cref="InstanceId"/> is the instance bound to it, if any (R13).</summary>
public sealed record DataSpaceView(string Id, string Name, string Type, string ProjectId, string? InstanceId, DateTimeOffset CreatedAt);

/// <summary>
/// A data space with what each service keeps in it (<c>GET …/data-spaces/{id}</c>, a delete's answer).
/// <see cref="DeletionRequestedAt"/> is set while a delete waits for a service to confirm: the data space takes no calls.
/// </summary>
public sealed record DataSpaceDetailsView(
    string Id, string Name, string Type, string ProjectId, string? InstanceId, DateTimeOffset CreatedAt, IReadOnlyList<Holding> Holdings,
    DateTimeOffset? DeletionRequestedAt = null, string? JobId = null);

/// <summary>
/// How much of one service's data a data space holds, in the service's own words: <see cref="Items"/> counted as
/// <see cref="ItemsName"/> ("payments"), one of them <see cref="ItemName"/> ("payment"), and, when a count in one word
/// does not say it, the service's <see cref="Description"/> ("1 payment, 1 declined attempt"). <see cref="Items"/> is null
/// when the service did not answer (<see cref="Problem"/> says why): unknown, never taken for empty.
/// </summary>
public sealed record Holding(
    string Service, int? Items, string? ItemsName = null, string? ItemName = null, string? Description = null, string? Name = null,
    string? Problem = null)
{
    /// <summary>Whether the service said what it holds.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsKnown => Items is not null;

    /// <summary>Holds data, or may: a service that did not answer counts, so a guard never reads a failure as "empty".</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool MayHoldData => Items is null or > 0;

    /// <summary>
    /// "3 payments", "1 payment", "1 payment, 1 declined attempt" (the service's own words); "2 shipping items" only from a
    /// service that sends no words; "unknown recommendations data (…)" when the service did not answer.
    /// </summary>
    public string Describe()
    {
        if (Items is not { } items)
        {
            return $"an unknown amount of {Name ?? Service} data ({Problem ?? "the service did not answer"})";
        }

        if (!string.IsNullOrWhiteSpace(Description))
        {
            return Description;
        }

        return items == 1
            ? $"1 {ItemName ?? SingularOf(ItemsName) ?? Service + " item"}"
            : $"{items} {ItemsName ?? Service + " items"}";
    }

    /// <summary>"3 payments and 1 refund"; "nothing" when empty.</summary>
    public static string DescribeAll(IEnumerable<Holding> holdings)
    {
        var parts = holdings.Select(h => h.Describe()).ToList();
        return parts.Count switch
        {
            0 => "nothing",
            1 => parts[0],
            _ => string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[^1],
        };
    }

    /// <summary>What a list of holdings says for people: the ones that hold data or may, else "nothing".</summary>
    public static string DescribeHeld(IEnumerable<Holding> holdings) => DescribeAll(holdings.Where(h => h.MayHoldData));

    private static string? SingularOf(string? plural) =>
        plural is { Length: > 1 } && plural.EndsWith('s') && !plural.EndsWith("ss", StringComparison.Ordinal) ? plural[..^1] : plural;
}

/// <summary>The answer to <c>GET /merchant-registry/v1/ping</c>; <see cref="DataSpace"/> when <c>x-data-space-id</c> was sent.</summary>
public sealed record PingResponse(string AccountId, string Environment, string ApiKey, DataSpaceView? DataSpace);

/// <summary>
/// A service reachable through the gateway (R11): whether the caller's account is entitled to it, whether it answers
/// (<see cref="Healthy"/>: at least one of its upstreams is not known to be failing), and whether its calls need a data space.
/// </summary>
public sealed record ServiceView(string Id, string Name, string PathPrefix, bool Entitled, bool Healthy = true, string? DataSpace = null);

/// <summary><c>PUT …/data-spaces/{id}/instance</c>: bind this instance to the data space (R13).</summary>
public sealed record BindInstanceRequest(string? InstanceId);

/// <summary>
/// <c>POST …/data-spaces/{id}/copy</c>: copy every service's data of <see cref="From"/> into the data space (R18). The
/// target must be free or bound to <see cref="InstanceId"/>; one bound to another instance is refused with
/// <c>data_space_bound_elsewhere</c>, so a copy never lands in a data space another instance is using.
/// </summary>
public sealed record CopyDataSpaceRequest(string? From, string? InstanceId = null);

/// <summary>
/// The answer to a copy: what was copied, per service. A service that did not answer yet is listed with unknown items;
/// the copy then carries on as job <see cref="JobId"/> (<see cref="Status"/> <c>pending</c>) until every service confirmed.
/// </summary>
public sealed record CopyResult(IReadOnlyList<Holding> Copied, string? JobId = null, string Status = LifecycleJobStatuses.Done);

/// <summary>The states of a copy or delete that spans several services.</summary>
public static class LifecycleJobStatuses
{
    /// <summary>Some service has not confirmed yet; the platform retries it.</summary>
    public const string Pending = "pending";

    /// <summary>Every service confirmed.</summary>
    public const string Done = "done";
}

/// <summary>A recorded copy or delete across services, and where each service stands.</summary>
public sealed record LifecycleJobView(
    string Id, string Kind, string DataSpaceId, string? FromDataSpaceId, string Status, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt,
    IReadOnlyList<LifecycleJobStepView> Services);

/// <summary>
/// One service's part of a job: <c>pending</c> (retried at <see cref="NextAttemptAt"/>) or <c>done</c> with the items it
/// copied or deleted.
/// </summary>
public sealed record LifecycleJobStepView(string Service, string Status, int? Items, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt);
