using CommerceServices.Protocol;

namespace CommerceServices.Cli.Tests.Commands;

public sealed class EntitlementsCommandsTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task Grant_Payments_AddsItToTheAccount_AndRevokeTakesItBack()
    {
        var id = await platform.NewAccountAsync();

        var granted = await platform.JsonAsync("entitlements", "grant", "--account", id, "--service", "payments");
        var shown = await platform.JsonAsync("accounts", "show", "--account", id);
        var revoked = await platform.JsonAsync("entitlements", "revoke", "--account", id, "--service", "payments");

        Assert.Equal(["payments"], granted["entitlements"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal(["payments"], shown["entitlements"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Empty(revoked["entitlements"]!.AsArray());
    }

    [Fact]
    public async Task Grant_ForPeople_ShowsTheAccountsEntitlements()
    {
        var id = await platform.NewAccountAsync();

        var run = (await platform.RunAsync("entitlements", "grant", "--account", id, "--service", "payments")).Expect(ExitCodes.Ok);

        Assert.Matches(@"entitlements\s+payments", run.Stdout);
    }

    [Fact]
    public async Task Grant_UnknownService_IsRefusedWithUnknownService()
    {
        var id = await platform.NewAccountAsync();

        var run = await platform.RunAsync("entitlements", "grant", "--account", id, "--service", "teleportation");

        run.ExpectError(ExitCodes.Refused, ProblemCodes.UnknownService);
    }

    [Fact]
    public async Task Grant_UnknownAccount_IsRefusedWithAccountNotFound()
    {
        var run = await platform.RunAsync("entitlements", "grant", "--account", "acc_nobody", "--service", "payments", "--json");

        run.ExpectError(ExitCodes.Refused, ProblemCodes.AccountNotFound);
    }
}
