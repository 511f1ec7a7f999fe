using CommerceServices.Protocol;

namespace CommerceServices.Cli.Tests.Commands;

public sealed class RegistryCommandsTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task ProjectsList_ShowsTheDefaultProjectOfANewAccount()
    {
        var id = await platform.NewAccountAsync();

        var projects = (await platform.JsonAsync("projects", "list", "--account", id)).AsArray();

        Assert.Equal("Default project", Assert.Single(projects)!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task DataSpaces_AreCreatedWithinQuota_ListedRenamedAndDeleted()
    {
        var (id, project) = await EntitledAccountAsync();

        var created = await platform.JsonAsync("data-spaces", "create", "--account", id, "--project", project, "--name", "live", "--type", "production");
        var overQuota = await platform.RunAsync("data-spaces", "create", "--account", id, "--project", project, "--name", "live-2", "--type", "production");
        var dataSpace = created["id"]!.GetValue<string>();
        var renamed = await platform.JsonAsync("data-spaces", "rename", "--account", id, "--data-space", dataSpace, "--name", "shop");
        var listed = (await platform.JsonAsync("data-spaces", "list", "--account", id)).AsArray();
        var deleted = await platform.JsonAsync("data-spaces", "delete", "--account", id, "--data-space", dataSpace);

        Assert.Equal(["id", "name", "type", "projectId"], new[] { "id", "name", "type", "projectId" }.Where(k => created[k] is not null));
        Assert.Equal("production", created["type"]!.GetValue<string>());
        Assert.Equal(project, created["projectId"]!.GetValue<string>());
        overQuota.ExpectError(ExitCodes.Refused, ProblemCodes.QuotaExceeded);
        Assert.Equal("shop", renamed["name"]!.GetValue<string>());
        Assert.Equal(dataSpace, Assert.Single(listed)!["id"]!.GetValue<string>());
        Assert.Equal(dataSpace, deleted["id"]!.GetValue<string>());
        Assert.Empty((await platform.JsonAsync("data-spaces", "list", "--account", id)).AsArray());
    }

    [Fact]
    public async Task TestingDataSpace_WithoutEntitlement_IsRefusedWithQuotaExceeded()
    {
        var id = await platform.NewAccountAsync();
        var project = (await platform.JsonAsync("projects", "list", "--account", id))[0]!["id"]!.GetValue<string>();

        var run = await platform.RunAsync("data-spaces", "create", "--account", id, "--project", project, "--name", "test", "--type", "testing");

        run.ExpectError(ExitCodes.Refused, ProblemCodes.QuotaExceeded);
        Assert.Contains("Payment Services", run.Stderr);
    }

    [Fact]
    public async Task Copy_CopiesBetweenTheAccountsDataSpaces_AndReleaseFreesOne()
    {
        var (id, project) = await EntitledAccountAsync();
        var from = (await platform.JsonAsync("data-spaces", "create", "--account", id, "--project", project, "--name", "a", "--type", "testing"))["id"]!.GetValue<string>();
        var to = (await platform.JsonAsync("data-spaces", "create", "--account", id, "--project", project, "--name", "b", "--type", "testing"))["id"]!.GetValue<string>();

        var copied = await platform.JsonAsync("data-spaces", "copy", "--account", id, "--from", from, "--to", to);
        var released = await platform.JsonAsync("data-spaces", "release", "--account", id, "--data-space", to);
        var intoItself = await platform.RunAsync("data-spaces", "copy", "--account", id, "--from", from, "--to", from);

        Assert.Equal("payments", copied["copied"]![0]!["service"]!.GetValue<string>());
        Assert.Null(released["instanceId"]);
        intoItself.ExpectError(ExitCodes.Refused, ProblemCodes.InvalidRequest);
    }

    [Fact]
    public async Task UnknownDataSpace_IsRefusedWithDataSpaceNotFound()
    {
        var id = await platform.NewAccountAsync();

        var run = await platform.RunAsync("data-spaces", "delete", "--account", id, "--data-space", "ds_nope", "--force");

        run.ExpectError(ExitCodes.Refused, ProblemCodes.DataSpaceNotFound);
    }

    [Fact]
    public async Task DataSpacesList_ForPeople_IsATable()
    {
        var (id, project) = await EntitledAccountAsync();
        await platform.JsonAsync("data-spaces", "create", "--account", id, "--project", project, "--name", "storefront", "--type", "testing");

        var run = (await platform.RunAsync("data-spaces", "list", "--account", id)).Expect(ExitCodes.Ok);

        Assert.Contains("storefront", run.Stdout);
        Assert.Contains("(free)", run.Stdout);
    }

    private async Task<(string Account, string Project)> EntitledAccountAsync()
    {
        var id = await platform.NewAccountAsync();
        await platform.JsonAsync("entitlements", "grant", "--account", id, "--service", "payments");
        return (id, (await platform.JsonAsync("projects", "list", "--account", id))[0]!["id"]!.GetValue<string>());
    }
}
