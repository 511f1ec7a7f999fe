using System.CommandLine;

namespace CommerceServices.Cli.Commands;

/// <summary>Options several commands take; each command gets its own instance.</summary>
internal static class CommonOptions
{
    public static Option<string> Account() => new("--account", "-a")
    {
        Description = "The account id.",
        HelpName = "id",
        Required = true,
    };

    public static Option<string> Environment() => new("--environment", "-e")
    {
        Description = "The environment of the pair: sandbox or production.",
        HelpName = "sandbox|production",
        Required = true,
    };

    public static Option<string> Service() => new("--service", "-s")
    {
        Description = "The service's id, e.g. payments or recommendations (see 'services list').",
        HelpName = "service",
        Required = true,
    };
}
