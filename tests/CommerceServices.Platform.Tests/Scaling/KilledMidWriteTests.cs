using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Protocol;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Scaling;

/// <summary>
/// A node killed with SIGKILL in the middle of writes (keys created and rolled, data spaces created and bound,
/// payments recorded), then started again on the same storage: what was acknowledged is there, what was refused is
/// not, and the invariants hold. Calls cut by the kill have no known outcome and are checked only by the invariants.
/// </summary>
public sealed class KilledMidWriteTests
{
    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task ANodeKilledMidWrite_KeepsEveryAcknowledgedWrite_NoRefusedOne_AndItsInvariants(StorageProvider provider)
    {
        var folder = Directory.CreateTempSubdirectory("cs-killed-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = provider.ToString(),
            ["Storage:ConnectionString"] = provider == StorageProvider.PostgreSql
                ? await (await PostgresServer.SharedAsync()).CreateDatabaseAsync()
                : null,
            ["Gateway:RateLimitPerSecond"] = "100000",
            ["Gateway:RateLimitBurst"] = "100000",
        };
        var node = await PlatformProcess.StartAsync(folder, settings);
        try
        {
            var account = await Nodes.CreateAccountAsync(node);
            (await node.Management.PutAsync($"/api/v1/accounts/{account}/entitlements/payments", null)).EnsureSuccessStatusCode();
            var project = (await (await node.Management.GetAsync($"/api/v1/accounts/{account}/projects")).ReadNodeAsync())[0]!["id"]!.GetValue<string>();
            var gatewayKey = await Nodes.CreateKeyAsync(node, account, GatewayEnvironment.Production);
            // Payments go to a testing data space with a sandbox key: sandbox test cards, no card processor needed.
            var sandboxKey = await Nodes.CreateKeyAsync(node, account, GatewayEnvironment.Sandbox);
            var till = await CreateDataSpaceAsync(node, account, project, "till", "testing");
            Assert.Equal(HttpStatusCode.Created, till.Status);
            var keyAccount = await Nodes.CreateAccountAsync(node); // its pairs are replaced and rolled while the node dies
            var live = await CreateDataSpaceAsync(node, account, project, "live", "production");
            Assert.Equal(HttpStatusCode.Created, live.Status);

            var keys = new ConcurrentBag<string>();
            var payments = new ConcurrentBag<string>();
            var spaces = new ConcurrentBag<string>();
            var refusedSpaces = new ConcurrentBag<string>();
            var bindings = new ConcurrentDictionary<string, string>();
            var killed = new CancellationTokenSource();
            var writers = new List<Task>
            {
                Writer(async n =>
                {
                    // New pairs and rolls for the same account and environments: each retires the pair before it.
                    var environment = n % 2 == 0 ? GatewayEnvironment.Sandbox : GatewayEnvironment.Production;
                    var key = await Nodes.CreateKeyAsync(node, keyAccount, environment, graceSeconds: n % 3 == 0 ? 600 : null);
                    keys.Add(key.ApiKey);
                }, killed.Token),
                Writer(async n =>
                {
                    using var response = await Nodes.CallAsync(node, sandboxKey, HttpMethod.Post, "/payments/v1/payments",
                        new
                        {
                            reference = $"order-{n}", amount = 100 + n, currency = "EUR",
                            card = new { number = "4111111111111111", expMonth = 12, expYear = DateTime.UtcNow.Year + 3, cvc = "737" },
                        }, till.Id);
                    Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                    payments.Add((await response.ReadNodeAsync())["id"]!.GetValue<string>());
                }, killed.Token),
                Writer(async n =>
                {
                    // More testing data spaces than the quota allows: the refused ones must not exist afterwards.
                    var name = $"test-{n}";
                    var created = await CreateDataSpaceAsync(node, account, project, name, "testing");
                    if (created.Status == HttpStatusCode.Created)
                    {
                        spaces.Add(created.Id!);
                    }
                    else
                    {
                        Assert.Equal(HttpStatusCode.Conflict, created.Status);
                        refusedSpaces.Add(name);
                    }

                    await Task.Delay(50);
                }, killed.Token),
                Writer(async n =>
                {
                    var instance = $"shop-{n}";
                    using var response = await Nodes.CallAsync(node, gatewayKey, HttpMethod.Put,
                        $"/merchant-registry/v1/registry/data-spaces/{live.Id}/instance", new { instanceId = instance });
                    if (response.IsSuccessStatusCode)
                    {
                        bindings[instance] = instance;
                        using var released = await node.Management.DeleteAsync($"/api/v1/accounts/{account}/data-spaces/{live.Id}/instance");
                    }
                }, killed.Token),
            };

            // Killed once every kind of write has been acknowledged a few times, while all of them keep going.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((keys.Count < 3 || payments.Count < 10 || spaces.IsEmpty || bindings.IsEmpty) && DateTime.UtcNow < deadline
                   && writers.All(w => !w.IsCompleted))
            {
                await Task.Delay(50);
            }

            await Task.Delay(Random.Shared.Next(0, 300));
            await node.KillAsync();
            await killed.CancelAsync();
            await Task.WhenAll(writers);
            Assert.NotEmpty(keys);
            Assert.NotEmpty(payments);

            await node.DisposeAsync();
            node = await PlatformProcess.StartAsync(folder, settings);

            var listed = (await (await node.Management.GetAsync($"/api/v1/accounts/{keyAccount}/keys")).ReadNodeAsync()).AsArray();
            var stored = listed.Select(k => k!["apiKey"]!.GetValue<string>()).ToHashSet();
            Assert.All(keys, k => Assert.Contains(k, stored));
            foreach (var environment in new[] { "sandbox", "production" })
            {
                Assert.Equal(1, listed.Count(k => k!["environment"]!.GetValue<string>() == environment && k["status"]!.GetValue<string>() == "active"));
            }

            foreach (var payment in payments)
            {
                using var found = await Nodes.CallAsync(node, sandboxKey, HttpMethod.Get, $"/payments/v1/payments/{payment}", dataSpace: till.Id);
                Assert.Equal(HttpStatusCode.OK, found.StatusCode);
            }

            var dataSpaces = (await (await node.Management.GetAsync($"/api/v1/accounts/{account}/data-spaces")).ReadNodeAsync()).AsArray();
            var testing = dataSpaces.Where(d => d!["type"]!.GetValue<string>() == "testing").ToList();
            Assert.All(spaces, s => Assert.Contains(testing, d => d!["id"]!.GetValue<string>() == s));
            Assert.All(refusedSpaces, name => Assert.DoesNotContain(dataSpaces, d => d!["name"]!.GetValue<string>() == name));
            var quota = await (await node.Management.GetAsync($"/api/v1/accounts/{account}/quota")).ReadNodeAsync();
            Assert.True(testing.Count <= quota["testing"]!["allowed"]!.GetValue<int>());
            Assert.Equal(testing.Count, quota["testing"]!["used"]!.GetValue<int>());
            var instance = dataSpaces.Single(d => d!["id"]!.GetValue<string>() == live.Id)!["instanceId"]?.GetValue<string>();
            Assert.True(instance is null || instance.StartsWith("shop-", StringComparison.Ordinal));
        }
        finally
        {
            await node.DisposeAsync();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // temp folder
            }
        }
    }

    /// <summary>Runs <paramref name="write"/> again and again until the node dies; a call the kill cut is no failure.</summary>
    private static Task Writer(Func<int, Task> write, CancellationToken killed) => Task.Run(async () =>
    {
        for (var n = 0; !killed.IsCancellationRequested; n++)
        {
            try
            {
                await write(n);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return;
            }
        }
    });

    private static async Task<(HttpStatusCode Status, string? Id)> CreateDataSpaceAsync(PlatformProcess node, string account,
        string project, string name, string type)
    {
        using var response = await node.Management.PostAsJsonAsync($"/api/v1/accounts/{account}/data-spaces", new { projectId = project, name, type });
        return (response.StatusCode, response.StatusCode == HttpStatusCode.Created ? (await response.ReadNodeAsync())["id"]!.GetValue<string>() : null);
    }
}
