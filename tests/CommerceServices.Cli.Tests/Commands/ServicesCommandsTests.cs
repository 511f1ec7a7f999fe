using CommerceServices.Protocol;
using CommerceServices.Testing;

namespace CommerceServices.Cli.Tests.Commands;

/// <summary><c>services add | list | show | remove</c> and <c>entitlements grant --service</c>, through the real binary.</summary>
public sealed class ServicesCommandsTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task AServiceAddedWithTheCli_IsListedShownGrantableAndRemoved()
    {
        await using var upstream = await RecordingUpstream.StartAsync(platform.Host.PortalUrl, "recommendations");
        var account = await platform.NewAccountAsync();
        var before = await platform.RunAsync("entitlements", "grant", "--account", account, "--service", "recommendations");

        var added = await platform.JsonAsync("services", "add", "--id", "recommendations", "--name", "Recommendations",
            "--path-prefix", "/recommendations/v1", "--upstream", upstream.Url.AbsoluteUri, "--upstream", "http://127.0.0.1:9",
            "--data-space", "required", "--environment", "sandbox", "--lifecycle-url", new Uri(upstream.Url, "lifecycle").AbsoluteUri,
            "--timeout", "30", "--health-path", "/healthz", "--max-concurrent-requests", "50");
        var granted = await platform.JsonAsync("entitlements", "grant", "--account", account, "--service", "recommendations");
        var listed = (await platform.JsonAsync("services", "list")).AsArray();
        var table = (await platform.RunAsync("services", "list")).Expect(ExitCodes.Ok);
        var shown = (await platform.RunAsync("services", "show", "--id", "recommendations")).Expect(ExitCodes.Ok);
        var removed = (await platform.RunAsync("services", "remove", "--id", "recommendations")).Expect(ExitCodes.Ok);
        var afterRemoval = await platform.JsonAsync("accounts", "show", "--account", account);

        before.ExpectError(ExitCodes.Refused, ProblemCodes.UnknownService);
        Assert.Equal("/recommendations/v1", added["pathPrefix"]!.GetValue<string>());
        Assert.Equal(2, added["upstreams"]!.AsArray().Count);
        Assert.Equal(["sandbox"], added["environments"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal((30, 50, "api"), (added["timeoutSeconds"]!.GetValue<int>(), added["maxConcurrentRequests"]!.GetValue<int>(), added["origin"]!.GetValue<string>()));
        Assert.Contains("recommendations", granted["entitlements"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal(["payments", "recommendations"], listed.Select(s => s!["id"]!.GetValue<string>()));
        Assert.Contains("(in the platform)", table.Stdout);
        Assert.Contains("/recommendations/v1", table.Stdout);
        Assert.Matches(@"lifecycle URL\s+http://127\.0\.0\.1:\d+/lifecycle/", shown.Stdout);
        Assert.Contains("Removed service recommendations.", removed.Stdout);
        Assert.DoesNotContain("recommendations", afterRemoval["entitlements"]!.AsArray().Select(e => e!.GetValue<string>()));
        (await platform.RunAsync("services", "show", "--id", "recommendations")).ExpectError(ExitCodes.Refused, ProblemCodes.ServiceNotFound);
    }

    [Fact]
    public async Task AWrongServiceOrTheBuiltInOne_IsRefusedWithItsCode()
    {
        var wrongUrl = await platform.RunAsync("services", "add", "--id", "bad", "--name", "Bad", "--path-prefix", "/bad/v1", "--upstream", "not-a-url", "--json");
        var wrongPrefix = await platform.RunAsync("services", "add", "--id", "bad", "--name", "Bad", "--path-prefix", "/payments/v2", "--upstream", "http://127.0.0.1:9");
        var builtIn = await platform.RunAsync("services", "remove", "--id", "payments");
        var missing = await platform.RunAsync("services", "add", "--id", "bad");

        wrongUrl.ExpectError(ExitCodes.Refused, ProblemCodes.InvalidRequest);
        Assert.Contains("'upstreams'", wrongUrl.Stderr);
        wrongPrefix.ExpectError(ExitCodes.Refused, ProblemCodes.InvalidRequest);
        builtIn.ExpectError(ExitCodes.Refused, ProblemCodes.ServiceReadOnly);
        missing.ExpectError(ExitCodes.Usage, CliError.UsageErrorCode);
        Assert.Contains("--path-prefix", missing.Stderr);
    }

    [Fact]
    public async Task DataSpacesShow_SaysWhatEachServiceHolds_InItsOwnWords()
    {
        var account = await platform.NewAccountAsync();
        await platform.JsonAsync("entitlements", "grant", "--account", account, "--service", "payments");
        var project = (await platform.JsonAsync("projects", "list", "--account", account))[0]!["id"]!.GetValue<string>();
        var dataSpace = (await platform.JsonAsync("data-spaces", "create", "--account", account, "--project", project, "--name", "t", "--type", "testing"))["id"]!.GetValue<string>();

        var shown = (await platform.RunAsync("data-spaces", "show", "--account", account, "--data-space", dataSpace)).Expect(ExitCodes.Ok);

        Assert.Matches(@"Payment Services\s+│\s+0 payments", shown.Stdout);
        Assert.DoesNotContain("item", shown.Stdout);
    }
}
