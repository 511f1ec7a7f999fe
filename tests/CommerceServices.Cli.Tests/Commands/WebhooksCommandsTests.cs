using CommerceServices.Protocol;

namespace CommerceServices.Cli.Tests.Commands;

/// <summary>The real CLI binary against a real platform: an endpoint's whole life from the command line.</summary>
public sealed class WebhooksCommandsTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task AddListTestAttemptsRollReplayUpdateRemove_WorkFromTheCommandLine()
    {
        var account = await platform.NewAccountAsync();
        // Port 9 (discard): nothing listens, so the test event's attempt fails and shows as such.
        var added = await platform.JsonAsync("webhooks", "add", "--account", account, "--environment", "sandbox", "--url", "http://127.0.0.1:9/hooks",
            "--events", "payment.*,key.*", "--description", "cli test");
        var id = added["endpoint"]!["id"]!.GetValue<string>();
        Assert.StartsWith("whsec_", added["secret"]!.GetValue<string>());

        var table = (await platform.RunAsync("webhooks", "add", "--account", account, "--environment", "sandbox", "--url", "http://127.0.0.1:9/other")).Expect(ExitCodes.Ok);
        Assert.Contains("WARNING", table.Stdout, StringComparison.Ordinal);
        Assert.Matches("whsec_[A-Za-z0-9+/=]{44}", table.Stdout);

        var list = (await platform.JsonAsync("webhooks", "list", "--account", account)).AsArray();
        Assert.Equal(2, list.Count);
        Assert.Equal(["payment.*", "key.*"], list[0]!["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.DoesNotContain("whsec_", (await platform.RunAsync("webhooks", "list", "--account", account)).Expect(ExitCodes.Ok).Stdout, StringComparison.Ordinal);

        var test = await platform.JsonAsync("webhooks", "test", "--account", account, "--id", id);
        Assert.StartsWith("evt_", test["eventId"]!.GetValue<string>());
        var attempts = System.Text.Json.Nodes.JsonNode.Parse("[]")!.AsArray();
        for (var i = 0; i < 100 && attempts.Count == 0; i++)
        {
            await Task.Delay(100);
            attempts = (await platform.JsonAsync("webhooks", "attempts", "--account", account, "--id", id)).AsArray();
        }

        Assert.Equal("webhook.test", attempts[0]!["eventType"]!.GetValue<string>());
        Assert.NotNull(attempts[0]!["error"]);

        var rolled = await platform.JsonAsync("webhooks", "roll-secret", "--account", account, "--id", id, "--overlap", "1d");
        Assert.Equal(2, rolled["endpoint"]!["secrets"]!.AsArray().Count);
        var replayed = await platform.JsonAsync("webhooks", "replay", "--account", account, "--id", id, "--since", "2020-01-01T00:00:00Z");
        Assert.Equal(0, replayed["deliveries"]!.GetValue<int>()); // the endpoint takes payment.* and key.*: the test event is not replayed
        var disabled = await platform.JsonAsync("webhooks", "update", "--account", account, "--id", id, "--disable");
        Assert.Equal("disabled", disabled["status"]!.GetValue<string>());

        (await platform.RunAsync("webhooks", "remove", "--account", account, "--id", id)).Expect(ExitCodes.Ok);
        (await platform.RunAsync("webhooks", "test", "--account", account, "--id", id)).ExpectError(ExitCodes.Refused, ProblemCodes.WebhookEndpointNotFound);
    }

    [Theory]
    [InlineData("webhooks", "roll-secret", "--account", "acc_x", "--id", "we_x", "--overlap", "8d")]
    [InlineData("webhooks", "replay", "--account", "acc_x", "--id", "we_x")]
    [InlineData("webhooks", "update", "--account", "acc_x", "--id", "we_x", "--enable", "--disable")]
    public async Task BadCommandLines_AreUsageErrors(params string[] arguments) =>
        (await platform.RunAsync(arguments)).ExpectError(ExitCodes.Usage, "usage_error");

    [Fact]
    public async Task AProductionEndpointOnPlainHttp_IsRefusedWithItsCode()
    {
        var account = await platform.NewAccountAsync();

        (await platform.RunAsync("webhooks", "add", "--account", account, "--environment", "production", "--url", "http://shop.example.com/hooks"))
            .ExpectError(ExitCodes.Refused, ProblemCodes.WebhookUrlNotAllowed);
    }
}
