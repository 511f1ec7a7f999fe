using CommerceServices.Protocol.Services;

namespace CommerceServices.Platform.Services;

/// <summary>
/// The <c>Services</c> configuration section: one child per service, its key the service id
/// (<c>Services:recommendations:PathPrefix</c>, <c>…:Upstreams:0</c>). Lists may also be one value, separated by commas
/// (<c>--Services:recommendations:Upstreams=http://a:8080,http://b:8080</c>). Read at start; the services it defines
/// are written to the database then, so every node lists them, and the API refuses to change them.
/// </summary>
public static class ConfiguredServices
{
    public const string Section = "Services";

    public static IReadOnlyList<(string Id, ServiceRegistration Registration)> Read(IConfiguration configuration) =>
        configuration.GetSection(Section).GetChildren().Select(s => (s.Key, new ServiceRegistration(
            s.Key,
            s["Name"],
            s["PathPrefix"],
            List(s.GetSection("Upstreams")),
            s["DataSpace"],
            List(s.GetSection("Environments")),
            s["LifecycleUrl"],
            Int(s, "TimeoutSeconds"),
            s["HealthPath"],
            Int(s, "MaxConcurrentRequests")))).ToList();

    private static List<string>? List(IConfigurationSection section)
    {
        if (section.Value is { } single)
        {
            return single.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        }

        var items = section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        return items.Count == 0 ? null : items;
    }

    /// <summary>A number, or null when unset; a value that is no number is kept as an impossible one, so the check names it.</summary>
    private static int? Int(IConfigurationSection section, string key) =>
        section[key] is not { } text ? null : int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : int.MinValue;
}
