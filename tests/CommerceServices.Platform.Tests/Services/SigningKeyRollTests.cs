using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CommerceServices.Protocol.Services;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Services;

/// <summary>
/// The platform rolls the key it signs its tokens with, with an overlap at both ends: the next key is published before
/// it signs (so an upstream that reads the keys now and then knows it in time), the replaced one stays published until
/// its last token has expired. Calls flowing through the roll all pass an upstream's stock JwtBearer check.
/// </summary>
public sealed class SigningKeyRollTests
{
    [Fact]
    public async Task ASigningKeyRoll_UnderSteadyTraffic_FailsNoCall()
    {
        var folder = Directory.CreateTempSubdirectory("cs-key-roll-").FullName;
        await using var platform = await PlatformProcess.StartAsync(folder, new Dictionary<string, string?>
        {
            ["ServiceGateway:SigningKeyPrePublication"] = "00:00:05",
        });
        // The upstream reads the keys every second, well within the 5 s the next key is published before it signs.
        await using var upstream = await RecordingUpstream.StartAsync(platform.PortalUrl, "steady", keyRefresh: TimeSpan.FromSeconds(1));
        await ServicesTestKit.RegisterAsync(platform, new ServiceRegistration("steady", "Steady", "/steady/v1", [upstream.Url.AbsoluteUri], DataSpaceModes.None));
        var merchant = await ServicesTestKit.MerchantAsync(platform, "steady");
        var before = await KidsAsync(platform);

        var failures = new List<string>();
        var calls = 0;
        using var stop = new CancellationTokenSource();
        var traffic = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await ServicesTestKit.CallAsync(platform, merchant.Sandbox, HttpMethod.Get, "/steady/v1/echo");
                Interlocked.Increment(ref calls);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    var failure = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                    lock (failures)
                    {
                        failures.Add(failure);
                    }
                }
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(2));
        using var rolled = await platform.Management.PostAsJsonAsync("/api/v1/gateway/signing-keys/roll", new { });
        var next = (await rolled.ReadNodeAsync())["kid"]!.GetValue<string>();
        var published = await KidsAsync(platform);
        await Task.Delay(TimeSpan.FromSeconds(9)); // the next key signs after 5 s; traffic runs on past it
        await stop.CancelAsync();
        await Task.WhenAll(traffic);
        var states = (await (await platform.Management.GetAsync("/api/v1/gateway/signing-keys")).ReadNodeAsync()).AsArray();

        Assert.Equal(HttpStatusCode.Created, rolled.StatusCode);
        Assert.Empty(failures);
        Assert.True(calls > 50, $"Only {calls} calls went through.");
        Assert.Equal([.. before, next], published); // published as soon as it is made, before it signs
        var kids = upstream.Requests.Select(r => KidOf(r.Headers["authorization"])).ToList();
        Assert.Contains(before.Single(), kids);
        Assert.Contains(next, kids);
        Assert.True(upstream.Requests.All(r => r.Authenticated));
        Assert.Equal(before.Single(), kids.First());
        Assert.Equal(next, kids.Last());
        Assert.Equal("retired", states.Single(s => s!["kid"]!.GetValue<string>() == before.Single())!["state"]!.GetValue<string>());
        Assert.Equal("signing", states.Single(s => s!["kid"]!.GetValue<string>() == next)!["state"]!.GetValue<string>());
        Assert.Contains(before.Single(), await KidsAsync(platform)); // still published: tokens it signed may be in flight
    }

    [Fact]
    public async Task TheSigningKey_IsStoredProtected_NeverInPlainText()
    {
        var folder = Directory.CreateTempSubdirectory("cs-key-store-").FullName;
        await using (var platform = await PlatformProcess.StartAsync(folder, new Dictionary<string, string?>()))
        {
            Assert.Single(await KidsAsync(platform));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(folder, "platform.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT "ProtectedPrivateKey", "PublicJwk" FROM "GatewaySigningKeys" """;
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var stored = Convert.FromBase64String(reader.GetString(0));
        // A PKCS#8 private key is a DER SEQUENCE (0x30) holding the P-256 OID; the stored bytes are Data Protection's
        // envelope (magic header 09 F0 C9 F0), and no part of them parses as a key.
        Assert.Equal(new byte[] { 0x09, 0xF0, 0xC9, 0xF0 }, stored[..4]);
        using var probe = System.Security.Cryptography.ECDsa.Create();
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => probe.ImportPkcs8PrivateKey(stored, out _));
        Assert.DoesNotContain("\"d\"", reader.GetString(1), StringComparison.Ordinal);
    }

    private static async Task<List<string>> KidsAsync(PlatformProcess platform)
    {
        using var http = new HttpClient();
        var jwks = await (await http.GetAsync(new Uri(platform.PortalUrl, "/.well-known/jwks.json"))).ReadNodeAsync();
        return jwks["keys"]!.AsArray().Select(k => k!["kid"]!.GetValue<string>()).ToList();
    }

    private static string KidOf(string authorization)
    {
        var header = authorization["Bearer ".Length..].Split('.')[0];
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(header.Replace('-', '+').Replace('_', '/').PadRight(header.Length + (4 - header.Length % 4) % 4, '=')));
        return JsonNode.Parse(json)!["kid"]!.GetValue<string>();
    }
}
