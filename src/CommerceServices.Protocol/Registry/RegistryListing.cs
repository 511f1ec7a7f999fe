namespace CommerceServices.Protocol.Registry;

/// <summary>
/// The answer to <c>GET /merchant-registry/v1/registry</c>, in the shape the Magento Services Connector module reads
/// (its SaaS identifier selectors): <see cref="Results"/> is a flat list with one entry per data space, which the module
/// groups by <c>projectId</c> itself. <see cref="Projects"/> lists every project, also those with no data space yet,
/// which the flat list cannot show. An error answer is a problem document and never carries <c>results</c>, so a
/// client reading <c>results</c> cannot mistake a refusal for an empty registry.
/// </summary>
public sealed record RegistryListing(IReadOnlyList<RegistryEntry> Results, IReadOnlyList<RegistryListingProject> Projects);

/// <summary>
/// One data space, named the Magento way: a Magento "environment" is our data space. <see cref="EnvironmentType"/>
/// takes the values of <see cref="RegistryEnvironmentTypes"/>. <see cref="Type"/>, <see cref="InstanceId"/> and
/// <see cref="CloudId"/> are our own members (the module ignores members it does not know).
/// </summary>
public sealed record RegistryEntry(
    string ProjectId,
    string ProjectName,
    string EnvironmentId,
    string EnvironmentName,
    string EnvironmentType,
    string Type,
    string? InstanceId,
    string? CloudId);

/// <summary>A project of the account, with or without data spaces.</summary>
public sealed record RegistryListingProject(string Id, string Name);

/// <summary>The values of <see cref="RegistryEntry.EnvironmentType"/>: the data space types, as Magento's registry names them.</summary>
public static class RegistryEnvironmentTypes
{
    public const string Production = "production";
    public const string Testing = "testing";
}
