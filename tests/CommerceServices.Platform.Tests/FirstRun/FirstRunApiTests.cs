using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using CommerceServices.Platform.Data;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.FirstRun;

/// <summary>
/// What a newcomer meets through the management API: expected conflicts in the log, unique project names,
/// one time format, bad JSON naming the field, operator-token refusals saying how to pass the token.
/// </summary>
public abstract partial class FirstRunApiTests(PlatformFixture fixture)
{
    private PlatformHost Platform => fixture.Host;

    private HttpClient Api => fixture.Host.Management;

    public sealed class OnSqlite(SqlitePlatform fixture) : FirstRunApiTests(fixture), IClassFixture<SqlitePlatform>;

    public sealed class OnPostgreSql(PostgresPlatform fixture) : FirstRunApiTests(fixture), IClassFixture<PostgresPlatform>;

    [Fact]
    public async Task AnEmailAlreadyTaken_IsLoggedAsOneInformationLineWithItsCode_NotAsAnErrorWithAStackTrace()
    {
        var email = $"taken-{Guid.NewGuid():N}@example.com";
        await Api.PostJsonAsync("/api/v1/accounts", new { email });
        var before = Platform.Logs.Lines.Count;

        var second = await Api.PostJsonAsync("/api/v1/accounts", new { email });

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var logged = Platform.Logs.Lines.Skip(before).ToList();
        Assert.DoesNotContain(logged, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, l => l.Contains("   at ", StringComparison.Ordinal) && !l.StartsWith("Debug", StringComparison.Ordinal));
        Assert.Single(logged, l => l.StartsWith("Information", StringComparison.Ordinal) && l.Contains("409 account_exists", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADataSpaceNameAlreadyTaken_IsLoggedAsOneInformationLine_WithoutAnError()
    {
        var account = await AccountAsync();
        var project = await DefaultProjectAsync(account);
        await Api.PostJsonAsync($"/api/v1/accounts/{account}/data-spaces", new { projectId = project, name = "shop", type = "production" });
        var before = Platform.Logs.Lines.Count;

        var second = await Api.PostJsonAsync($"/api/v1/accounts/{account}/data-spaces", new { projectId = project, name = "shop", type = "production" });

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var logged = Platform.Logs.Lines.Skip(before).ToList();
        Assert.DoesNotContain(logged, l => l.StartsWith("Error", StringComparison.Ordinal));
        Assert.Single(logged, l => l.StartsWith("Information", StringComparison.Ordinal) && l.Contains("409 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnexpectedDatabaseFailure_IsStillLoggedAsAnError()
    {
        var before = Platform.Logs.Lines.Count;
        await using (var scope = Platform.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("SELECT * FROM no_such_table_for_this_test"));
        }

        Assert.Contains(Platform.Logs.Lines.Skip(before), l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("no_such_table_for_this_test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASecondProjectNamedLikeAnExistingOne_IsRefusedWithProjectExists()
    {
        var account = await AccountAsync();

        var second = await Api.PostJsonAsync($"/api/v1/accounts/{account}/projects", new { name = "default PROJECT" });
        var other = await Api.PostJsonAsync($"/api/v1/accounts/{account}/projects", new { name = "Staging" });

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(ProblemCodes.ProjectExists, await second.ProblemCodeAsync());
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.Equal(2, (await (await Api.GetAsync($"/api/v1/accounts/{account}/projects")).ReadNodeAsync()).AsArray().Count);
    }

    [Fact]
    public async Task TimesInJson_HaveOnePrecision_WhenCreatedAndWhenReadBack()
    {
        var created = await (await Api.PostJsonAsync("/api/v1/accounts", new { email = $"t-{Guid.NewGuid():N}@example.com" })).ReadNodeAsync();
        var id = created["id"]!.GetValue<string>();
        var read = await (await Api.GetAsync($"/api/v1/accounts/{id}")).ReadNodeAsync();
        var key = await (await Api.PostJsonAsync($"/api/v1/accounts/{id}/keys", new { environment = "sandbox" })).ReadNodeAsync();
        var listed = (await (await Api.GetAsync($"/api/v1/accounts/{id}/keys")).ReadNodeAsync()).AsArray();

        Assert.Matches(UtcMilliseconds(), created["createdAt"]!.GetValue<string>());
        Assert.Equal(created["createdAt"]!.GetValue<string>(), read["createdAt"]!.GetValue<string>());
        Assert.Matches(UtcMilliseconds(), key["createdAt"]!.GetValue<string>());
        Assert.Equal(key["createdAt"]!.GetValue<string>(), listed[0]!["createdAt"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"environment\":\"sandbox\",\"graceSeconds\":12.5}", "'graceSeconds' must be a whole number")]
    [InlineData("{\"environment\":\"sandbox\",\"graceSeconds\":\"soon\"}", "'graceSeconds' must be a whole number")]
    [InlineData("{\"environment\":7,\"graceSeconds\":60}", "'environment' must be a string")]
    [InlineData("[1,2]", "The request body must be a JSON object")]
    [InlineData("{\"environment\":", "The request body is not valid JSON")]
    public async Task ABodyOfTheWrongShape_NamesTheFieldAndTheTypeItNeeds_NeverAnInternalTypeName(string body, string expected)
    {
        var account = await AccountAsync();

        var response = await Api.PostAsync($"/api/v1/accounts/{account}/keys/roll", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadNodeAsync();
        Assert.Equal(ProblemCodes.InvalidRequest, problem["code"]!.GetValue<string>());
        var detail = problem["detail"]!.GetValue<string>();
        Assert.Contains(expected, detail);
        Assert.DoesNotContain("CommerceServices.", detail);
        Assert.DoesNotContain("System.", detail);
        Assert.DoesNotContain("+", detail);
    }

    [Fact]
    public async Task AMissingOrWrongOperatorToken_IsAnsweredWithTheWaysToPassIt()
    {
        using var anonymous = new HttpClient { BaseAddress = Platform.PortalUrl };
        using var wrong = new HttpClient { BaseAddress = Platform.PortalUrl };
        wrong.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-token");

        var missing = await (await anonymous.GetAsync("/api/v1/accounts")).ReadNodeAsync();
        var invalid = await (await wrong.GetAsync("/api/v1/accounts")).ReadNodeAsync();

        Assert.Equal(ProblemCodes.MissingOperatorToken, missing["code"]!.GetValue<string>());
        Assert.Equal(ProblemCodes.InvalidOperatorToken, invalid["code"]!.GetValue<string>());
        foreach (var detail in new[] { missing["detail"]!.GetValue<string>(), invalid["detail"]!.GetValue<string>() })
        {
            Assert.Contains("--token", detail);
            Assert.Contains("COMMERCE_SERVICES_TOKEN", detail);
            Assert.Contains("Platform:OperatorToken", detail); // this platform's token is configured, not generated
        }
    }

    [Theory]
    [InlineData("Åland", "åland")] // SQLite's lower() folds ASCII only
    [InlineData("Ꭰ-team", "ꭰ-TEAM")] // Cherokee has case too
    [InlineData("ΟΔΟΣ", "οδο\u03C2")] // capital sigma and the final small sigma
    public async Task ProjectNames_CompareCaseInsensitively_InEveryAlphabet(string first, string second)
    {
        var account = await AccountAsync();

        using var created = await Api.PostJsonAsync($"/api/v1/accounts/{account}/projects", new { name = first });
        using var again = await Api.PostJsonAsync($"/api/v1/accounts/{account}/projects", new { name = second });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(ProblemCodes.ProjectExists, await again.ProblemCodeAsync());
    }

    [Fact]
    public async Task ProjectsCreatedAtOnceWithOneName_AreOneProject_TheOthersAreRefused()
    {
        var account = await AccountAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Api.PostJsonAsync($"/api/v1/accounts/{account}/projects", new { name = i % 2 == 0 ? "Launch" : "LAUNCH" })));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }

        var projects = (await (await Api.GetAsync($"/api/v1/accounts/{account}/projects")).ReadNodeAsync()).AsArray();
        Assert.Single(projects, p => p!["name"]!.GetValue<string>().Equals("launch", StringComparison.OrdinalIgnoreCase));
    }

    private async Task<string> AccountAsync() =>
        (await (await Api.PostJsonAsync("/api/v1/accounts", new { email = $"fr-{Guid.NewGuid():N}@example.com" })).ReadNodeAsync())["id"]!.GetValue<string>();

    private async Task<string> DefaultProjectAsync(string account) =>
        (await (await Api.GetAsync($"/api/v1/accounts/{account}/projects")).ReadNodeAsync())[0]!["id"]!.GetValue<string>();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex UtcMilliseconds();
}

/// <summary>A platform whose operator token is generated into its data folder: the refusals name that file.</summary>
public sealed class GeneratedOperatorTokenTests
{
    [Fact]
    public async Task WithAGeneratedToken_TheRefusalNamesTheFileItIsIn_AndTheFolderIsIgnoredByGit()
    {
        await using var platform = await PlatformHost.StartAsync(settings: new Dictionary<string, string?> { ["Platform:OperatorToken"] = "" });
        using var anonymous = new HttpClient { BaseAddress = platform.PortalUrl };

        var problem = await (await anonymous.GetAsync("/api/v1/accounts")).ReadNodeAsync();

        var tokenFile = Path.Combine(platform.DataDirectory, "operator-token");
        Assert.True(File.Exists(tokenFile));
        Assert.Contains(tokenFile, problem["detail"]!.GetValue<string>());
        Assert.Contains(platform.Logs.Lines, l => l.Contains(tokenFile, StringComparison.Ordinal) && l.Contains("COMMERCE_SERVICES_TOKEN", StringComparison.Ordinal));
        Assert.Equal("*", (await File.ReadAllLinesAsync(Path.Combine(platform.DataDirectory, ".gitignore"))).Last(l => l.Length > 0));
    }

    [Fact]
    public async Task ACallerOnAnotherMachine_IsNotToldWhereTheTokenFileIs_ACallerOnThisMachineIs()
    {
        await using var platform = await PlatformHost.StartAsync(settings: new Dictionary<string, string?> { ["Platform:OperatorToken"] = "" },
            services: s => s.AddSingleton<IStartupFilter>(new RemoteCallerFilter()));
        var tokenFile = Path.Combine(platform.DataDirectory, "operator-token");
        using var remote = new HttpClient { BaseAddress = platform.PortalUrl };
        remote.DefaultRequestHeaders.Add(RemoteCallerFilter.Header, "203.0.113.7");
        using var remoteWrong = new HttpClient { BaseAddress = platform.PortalUrl };
        remoteWrong.DefaultRequestHeaders.Add(RemoteCallerFilter.Header, "2001:db8::7");
        remoteWrong.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-token");
        using var local = new HttpClient { BaseAddress = platform.PortalUrl };

        var fromAfar = await (await remote.GetAsync("/api/v1/accounts")).ReadNodeAsync();
        var wrongFromAfar = await (await remoteWrong.GetAsync("/api/v1/accounts")).ReadNodeAsync();
        var fromHere = await (await local.GetAsync("/api/v1/accounts")).ReadNodeAsync();

        Assert.Equal(ProblemCodes.MissingOperatorToken, fromAfar["code"]!.GetValue<string>());
        Assert.Equal(ProblemCodes.InvalidOperatorToken, wrongFromAfar["code"]!.GetValue<string>());
        foreach (var problem in new[] { fromAfar, wrongFromAfar })
        {
            var detail = problem["detail"]!.GetValue<string>();
            Assert.DoesNotContain(platform.DataDirectory, detail);
            Assert.DoesNotContain(tokenFile, problem.ToJsonString());
            Assert.Contains("--token", detail);
        }

        Assert.Contains(tokenFile, fromHere["detail"]!.GetValue<string>());
    }

    /// <summary>
    /// Makes a request look as if it came from the address in a header: every test client is on loopback, and the point
    /// here is what a caller from another machine is told.
    /// </summary>
    private sealed class RemoteCallerFilter : IStartupFilter
    {
        public const string Header = "x-test-remote-address";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(Header, out var address))
                {
                    context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(address.ToString());
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
