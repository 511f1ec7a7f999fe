using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using CommerceServices.Testing;

namespace CommerceServices.Cli.Tests.FirstRun;

/// <summary>The README's "Try it" helper, run as a newcomer runs it, against a real platform.</summary>
public sealed partial class TryItScriptTests(PlatformFixture platform) : IClassFixture<PlatformFixture>, IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("cs-try-it-");

    public void Dispose()
    {
        // The script leaves the recommendations service it started running, as a newcomer wants; the test stops it.
        var pidFile = Path.Combine(_data.FullName, "recommendations.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            try
            {
                using var service = Process.GetProcessById(pid);
                service.Kill(entireProcessTree: true);
                service.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
                // gone already
            }
        }

        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task TryIt_MakesAConnectableAccount_AndPrintsAPortalInvitationThatOpens()
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "samples", "Storefront", "try-it.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["COMMERCE_SERVICES_URL"] = platform.Url.TrimEnd('/'),
                ["COMMERCE_SERVICES_TOKEN"] = PlatformHost.OperatorToken,
                ["STOREFRONT_DATA"] = _data.FullName,
                ["RECOMMENDATIONS_URL"] = $"http://127.0.0.1:{FreePort()}",
            },
        };
        using var script = Process.Start(start)!;
        var output = await script.StandardOutput.ReadToEndAsync();
        var errors = await script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync();

        Assert.True(script.ExitCode == 0, output + errors);
        Assert.Contains("BEGIN PRIVATE KEY", await File.ReadAllTextAsync(Path.Combine(_data.FullName, "sandbox.pem")));
        var invitation = InvitationLine().Match(output);
        Assert.True(invitation.Success, output);
        using var http = new HttpClient();
        using var page = await http.GetAsync(invitation.Groups["url"].Value);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("password", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("entitled to Payment Services and Recommendations", output, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^Account portal\s+(?<url>http\S+)$", RegexOptions.Multiline)]
    private static partial Regex InvitationLine();
}
