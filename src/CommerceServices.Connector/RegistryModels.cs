namespace CommerceServices.Connector;

// The records of the registry's other calls are in CommerceServices.Protocol.Registry, shared with the platform.

/// <summary>A data space as the <c>/registry</c> listing shows it; <see cref="InstanceId"/> is the instance bound to it.</summary>
public sealed record DataSpaceInfo(string Id, string Name, string Type, string? ProjectId, string? InstanceId);

/// <summary>A project of the <c>/registry</c> listing, with its data spaces.</summary>
public sealed record RegistryProject(string Id, string Name, IReadOnlyList<DataSpaceInfo> DataSpaces);
