using CommerceServices.Testing;

namespace CommerceServices.Cli.Tests;

/// <summary>One in-process platform per test class, and a way to run the CLI against it with the operator token.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    private PlatformHost? _host;

    public PlatformHost Host => _host ?? throw new InvalidOperationException("The platform has not started.");

    public string Url => Host.PortalUrl.ToString();

    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>Runs <c>commerce-services ARGS --platform URL --token TOKEN</c>.</summary>
    public Task<CliRun> RunAsync(params string[] arguments) =>
        CliRunner.RunAsync([.. arguments, "--platform", Url, "--token", PlatformHost.OperatorToken]);

    /// <summary>Runs the command with <c>--json</c>, expects exit code 0, and returns the document.</summary>
    public async Task<System.Text.Json.Nodes.JsonNode> JsonAsync(params string[] arguments) =>
        (await RunAsync([.. arguments, "--json"])).Expect(ExitCodes.Ok).Json;

    /// <summary>A new account made through the CLI; returns its id.</summary>
    public async Task<string> NewAccountAsync() =>
        (await JsonAsync("accounts", "create", "--email", $"{Guid.NewGuid():N}@example.test"))["id"]!.GetValue<string>();
}
