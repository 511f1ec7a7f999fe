namespace CommerceServices.Platform.Accounts;

/// <summary>A SaaS service reachable through the gateways (R8, R11).</summary>
public sealed record ServiceDescriptor(string Id, string Name, string PathPrefix);

/// <summary>The services of this platform. Payment Services is the first.</summary>
public static class ServiceCatalog
{
    public const string Payments = "payments";

    public static IReadOnlyList<ServiceDescriptor> All { get; } =
    [
        new(Payments, "Payment Services", "/payments"),
    ];

    public static ServiceDescriptor? Find(string? id) =>
        All.FirstOrDefault(s => string.Equals(s.Id, id?.Trim(), StringComparison.OrdinalIgnoreCase));
}
