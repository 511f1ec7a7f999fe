using System.Diagnostics;
using System.Text;

namespace CommerceServices.Cli.Tests;

/// <summary>Starts <c>dotnet &lt;dll&gt;</c> from the test output folder, with stdout and stderr captured.</summary>
public static class ChildProcess
{
    /// <summary>The <c>dotnet</c> host running these tests, so children use the same runtime.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static ProcessStartInfo StartInfo(string dll, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Hermetic: the CLI must not pick up a platform or token from the machine running the tests.
        start.Environment.Remove("COMMERCE_SERVICES_URL");
        start.Environment.Remove("COMMERCE_SERVICES_TOKEN");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        return start;
    }
}
