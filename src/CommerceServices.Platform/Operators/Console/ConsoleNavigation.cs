namespace CommerceServices.Platform.Operators.Console;

/// <summary>
/// One entry of the console's navigation. Capabilities add theirs with <see cref="ConsoleNavigation.AddConsoleSection"/>
/// (<c>services.AddConsoleSection(new("Reports", "/operator/reports", 60))</c>), so the console
/// needs no change when a page joins; the entries are shown in <see cref="Order"/>.
/// </summary>
public sealed record ConsoleSection(string Title, string Path, int Order, bool AdminOnly = false);

public static class ConsoleNavigation
{
    public static IServiceCollection AddConsoleSection(this IServiceCollection services, ConsoleSection section) =>
        services.AddSingleton(section);

    internal static void AddBuiltInSections(IServiceCollection services)
    {
        services.AddConsoleSection(new("Accounts", "/operator/accounts", 10));
        services.AddConsoleSection(new("Traffic", "/operator/traffic", 20));
        services.AddConsoleSection(new("Audit", "/operator/audit", 30));
        services.AddConsoleSection(new("Services", "/operator/services", 40));
        services.AddConsoleSection(new("Webhooks", "/operator/webhooks", 50));
        services.AddConsoleSection(new("Operators", "/operator/operators", 90));
    }
}
