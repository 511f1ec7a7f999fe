namespace CommerceServices.Protocol.Registry;

// The merchant registry's requests and answers through the gateway (DESIGN.md section 3), and the data space views the
// management API shares with it. Defined once here: the platform writes them, the connector and the CLI read them.
// The flat /registry listing lives beside this file, in RegistryListing.cs.

/// <summary>The anonymous <c>GET /merchant-registry/v1/gateway</c>: which gateway answered, and its clock.</summary>
public sealed record GatewayInfo(string Environment, DateTimeOffset ServerTime);

/// <summary>A data space; <see cref="InstanceId"/> is the instance bound to it, if any (R13).</summary>
public sealed record DataSpaceView(string Id, string Name, string Type, string ProjectId, string? InstanceId, DateTimeOffset CreatedAt);

/// <summary>A data space with what each service keeps in it (<c>GET …/data-spaces/{id}</c>, a delete's answer).</summary>
public sealed record DataSpaceDetailsView(
    string Id, string Name, string Type, string ProjectId, string? InstanceId, DateTimeOffset CreatedAt, IReadOnlyList<Holding> Holdings);

/// <summary>
/// How much of one service's data a data space holds. <see cref="ItemsName"/> and <see cref="ItemName"/> are the words
/// for what is counted ("payments", "payment"), so a message can say "3 payments" rather than "3 payments items".
/// </summary>
public sealed record Holding(string Service, int Items, string? ItemsName = null, string? ItemName = null)
{
    /// <summary>"3 payments", "1 payment"; "2 payments items" only from a platform that does not send the words.</summary>
    public string Describe() => Items == 1
        ? $"1 {ItemName ?? ItemsName ?? Service + " item"}"
        : $"{Items} {ItemsName ?? Service + " items"}";

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
}

/// <summary>The answer to <c>GET /merchant-registry/v1/ping</c>; <see cref="DataSpace"/> when <c>x-data-space-id</c> was sent.</summary>
public sealed record PingResponse(string AccountId, string Environment, string ApiKey, DataSpaceView? DataSpace);

/// <summary>A service reachable through the gateway (R11), with whether the caller's account is entitled to it.</summary>
public sealed record ServiceView(string Id, string Name, string PathPrefix, bool Entitled);

/// <summary><c>PUT …/data-spaces/{id}/instance</c>: bind this instance to the data space (R13).</summary>
public sealed record BindInstanceRequest(string? InstanceId);

/// <summary>
/// <c>POST …/data-spaces/{id}/copy</c>: copy every service's data of <see cref="From"/> into the data space (R18). The
/// target must be free or bound to <see cref="InstanceId"/>; one bound to another instance is refused with
/// <c>data_space_bound_elsewhere</c>, so a copy never lands in a data space another instance is using.
/// </summary>
public sealed record CopyDataSpaceRequest(string? From, string? InstanceId = null);

/// <summary>The answer to a copy: what was copied, per service.</summary>
public sealed record CopyResult(IReadOnlyList<Holding> Copied);
