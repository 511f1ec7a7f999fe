using System.Net;
using CommerceServices.Platform.Data;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Portal;

/// <summary>
/// The private key made by a form post reaches the page that shows it once, whichever node of the platform serves that
/// page: no sticky sessions needed.
/// </summary>
public sealed class OneTimeHandoffTests
{
    [Fact]
    public async Task APrivateKeyMadeOnOneNode_IsShownOnceByAnotherNode_ThenByNone()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        // The nodes share the database and the Data Protection keys (one data folder), as a deployment of several nodes does.
        var shared = Directory.CreateTempSubdirectory("cs-two-nodes-").FullName;
        try
        {
            var settings = new Dictionary<string, string?> { ["Platform:DataDirectory"] = shared };
            await using var first = await PlatformHost.StartAsync(StorageProvider.PostgreSql, settings, database);
            var user = await PortalSession.NewUserAsync(first);
            using var onFirst = new PortalSession(first);
            await onFirst.SignInAsync(user.Email, user.Password);
            await using var second = await PlatformHost.StartAsync(StorageProvider.PostgreSql, settings, database);
            using var onSecond = new PortalSession(second, onFirst.Cookies);

            using var created = await onFirst.PostFormAsync("/keys", "/keys?handler=Create",
                new Dictionary<string, string> { ["environment"] = "sandbox", ["confirm"] = "true" });
            Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
            var issued = created.Headers.Location!.OriginalString;
            Assert.StartsWith("/keys/issued/", issued);

            using var shownElsewhere = await onSecond.GetAsync(issued);
            using var again = await onFirst.GetAsync(issued);
            using var againElsewhere = await onSecond.GetAsync(issued);

            Assert.Equal(HttpStatusCode.OK, shownElsewhere.StatusCode);
            Assert.Contains("BEGIN PRIVATE KEY", await shownElsewhere.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
            Assert.Equal(HttpStatusCode.Gone, againElsewhere.StatusCode);
            Assert.DoesNotContain("BEGIN PRIVATE KEY", await again.Content.ReadAsStringAsync());
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }
}
