namespace CommerceServices.Connector;

/// <summary>The anonymous <c>GET /merchant-registry/v1/gateway</c>: which gateway answered, and its clock.</summary>
public sealed record GatewayInfo(string Environment, DateTimeOffset ServerTime);

/// <summary>A data space as the registry shows it; <see cref="InstanceId"/> is the instance bound to it, if any.</summary>
public sealed record DataSpaceInfo(string Id, string Name, string Type, string? ProjectId, string? InstanceId);

/// <summary>How much of one service's data a data space holds.</summary>
public sealed record Holding(string Service, int Items);

/// <summary>A data space with what it holds (<c>GET …/registry/data-spaces/{id}</c>).</summary>
public sealed record DataSpaceDetails(string Id, string Name, string Type, string? ProjectId, string? InstanceId, IReadOnlyList<Holding> Holdings);

/// <summary>The answer to <c>GET /merchant-registry/v1/ping</c>.</summary>
public sealed record PingResponse(string AccountId, string Environment, string ApiKey, DataSpaceInfo? DataSpace);

public sealed record RegistryProject(string Id, string Name, IReadOnlyList<DataSpaceInfo> DataSpaces);

/// <summary>A service reachable through the gateway (R11).</summary>
public sealed record GatewayService(string Id, string Name, string PathPrefix, bool Entitled);
