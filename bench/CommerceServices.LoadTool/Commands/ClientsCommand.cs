using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using CommerceServices.Protocol;

namespace CommerceServices.LoadTool.Commands;

/// <summary>
/// <c>loadtool clients</c>: the connector against other clients of the same gateway, in alternating rounds in one process
/// (one JSON line per mode and round). Modes:
/// <list type="bullet">
/// <item><c>unsigned</c>: a plain HttpClient calling <c>/ping</c> with the connector's headers set once as fixed headers, so
/// the gateway does the same work; the client does no signing.</item>
/// <item><c>factory-unsigned</c>: the same fixed headers on a plain IHttpClientFactory client (no connector handlers), to
/// tell the factory's own cost from the connector's.</item>
/// <item><c>signing-only</c>: a factory client with the signing handler and not the retry handler, to tell their costs apart.</item>
/// <item><c>connector</c>: the connector's signed client (IHttpClientFactory, retry and signing handlers) calling <c>/ping</c>.</item>
/// <item><c>connector-service</c>: one service call (<c>GET /registry</c>, read from the database) through the connector.</item>
/// <item><c>magento-service</c>: the same service call as the existing Magento module makes it: a fresh RS256 token and a
/// <c>/ping</c>, then another fresh token and the call; every token has its own <c>jti</c>, so the gateway verifies each.</item>
/// </list>
/// </summary>
internal static class ClientsCommand
{
    private static readonly string[] KnownModes = ["unsigned", "factory-unsigned", "signing-only", "connector", "connector-service", "magento-service"];

    public static Command Build()
    {
        var gateway = new Option<string>("--gateway") { Required = true, Description = "The sandbox gateway's URL." };
        var apiKey = new Option<string>("--api-key") { Required = true, Description = "The sandbox API key." };
        var privateKey = new Option<FileInfo>("--private-key") { Required = true, Description = "PEM file of its private key." };
        var modes = new Option<string>("--modes")
        {
            DefaultValueFactory = _ => "unsigned,connector", Description = $"Comma-separated, run in turn: {string.Join(", ", KnownModes)}.",
        };
        var workers = new Option<int>("--workers") { DefaultValueFactory = _ => 32, Description = "Concurrent callers." };
        var seconds = new Option<double>("--seconds") { DefaultValueFactory = _ => 3, Description = "Length of one measured round." };
        var rounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 8, Description = "Measured rounds of each mode." };
        var warmup = new Option<double>("--warmup-seconds") { DefaultValueFactory = _ => 3, Description = "Unmeasured first round of each mode." };
        var command = new Command("clients", "Unsigned client vs connector, and connector vs Magento-style client, side by side (JSON lines).")
        {
            gateway, apiKey, privateKey, modes, workers, seconds, rounds, warmup,
        };
        command.SetAction(async (parse, ct) =>
        {
            var chosen = parse.GetRequiredValue(modes).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (chosen.Length == 0 || chosen.FirstOrDefault(m => !KnownModes.Contains(m)) is { } unknown)
            {
                Console.Error.WriteLine($"Unknown mode in --modes; known: {string.Join(", ", KnownModes)}.");
                return 2;
            }

            var roundLength = TimeSpan.FromSeconds(parse.GetValue(seconds));
            var warmupLength = TimeSpan.FromSeconds(parse.GetValue(warmup));
            // The unsigned client's fixed token is signed once; the gateway accepts it for five minutes.
            var total = chosen.Length * (warmupLength + parse.GetValue(rounds) * roundLength);
            if (total > TimeSpan.FromMinutes(4))
            {
                Console.Error.WriteLine($"A run may last at most 4 minutes (the fixed token's lifetime), this one would last {total.TotalSeconds:0} s.");
                return 2;
            }

            var gatewayUrl = new Uri(parse.GetRequiredValue(gateway), UriKind.Absolute);
            var pem = await File.ReadAllTextAsync(parse.GetRequiredValue(privateKey).FullName, ct);
            var store = Directory.CreateTempSubdirectory("loadtool-connector-");
            try
            {
                await using var connector = await ConnectorSetup.CreateAsync(gatewayUrl, parse.GetRequiredValue(apiKey), pem,
                    dataSpaceId: null, store, ct);
                using var clients = new Clients(connector, gatewayUrl, parse.GetRequiredValue(apiKey), pem);
                var calls = chosen.Select(mode => new LoadMode(mode, parse.GetValue(workers), clients.CallFor(mode))).ToList();
                return await LoadDriver.AlternateAsync(calls, roundLength, parse.GetValue(rounds), warmupLength, ct);
            }
            finally
            {
                store.Delete(recursive: true);
            }
        });
        return command;
    }

    /// <summary>The clients under test, each one built once and shared by every worker, as an app would.</summary>
    private sealed class Clients : IDisposable
    {
        private readonly HttpClient _connector;
        private readonly HttpClient _unsigned;
        private readonly HttpClient _factoryUnsigned;
        private readonly HttpClient _signingOnly;
        private readonly HttpClient _magento;
        private readonly RSA _privateKey;
        private readonly string _apiKey;
        private readonly Uri _ping;
        private readonly Uri _registry;

        public Clients(ConnectorSetup connector, Uri gateway, string apiKey, string privateKeyPem)
        {
            var root = gateway.AbsoluteUri.EndsWith('/') ? gateway : new Uri(gateway.AbsoluteUri + "/");
            _ping = new Uri(root, "merchant-registry/v1/ping");
            _registry = new Uri(root, "merchant-registry/v1/registry");
            _apiKey = apiKey;
            _connector = connector.SignedClient;
            var credentials = connector.Connector.State.ActiveCredentials()
                ?? throw new InvalidOperationException("The connector has no active credentials after configuring.");
            _unsigned = new HttpClient(new SocketsHttpHandler());
            _unsigned.DefaultRequestHeaders.TryAddWithoutValidation(GatewayHeaders.ApiKey, credentials.ApiKey);
            _unsigned.DefaultRequestHeaders.TryAddWithoutValidation(GatewayHeaders.Signature, credentials.GetToken());
            _signingOnly = connector.SigningOnlyClient;
            _factoryUnsigned = connector.PlainClient;
            _factoryUnsigned.DefaultRequestHeaders.TryAddWithoutValidation(GatewayHeaders.ApiKey, credentials.ApiKey);
            _factoryUnsigned.DefaultRequestHeaders.TryAddWithoutValidation(GatewayHeaders.Signature, credentials.GetToken());
            _magento = new HttpClient(new SocketsHttpHandler());
            _privateKey = RSA.Create();
            _privateKey.ImportFromPem(privateKeyPem);
        }

        public Func<CancellationToken, Task<string?>> CallFor(string mode) => mode switch
        {
            "unsigned" => ct => GetAsync(_unsigned, _ping, signature: null, ct),
            "factory-unsigned" => ct => GetAsync(_factoryUnsigned, _ping, signature: null, ct),
            "signing-only" => ct => GetAsync(_signingOnly, _ping, signature: null, ct),
            "connector" => ct => GetAsync(_connector, _ping, signature: null, ct),
            "connector-service" => ct => GetAsync(_connector, _registry, signature: null, ct),
            "magento-service" => MagentoServiceCallAsync,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown mode"),
        };

        /// <summary>What the existing module does for one service call: sign, check the key; sign again, call.</summary>
        private async Task<string?> MagentoServiceCallAsync(CancellationToken ct) =>
            await GetAsync(_magento, _ping, FreshToken(), ct) ?? await GetAsync(_magento, _registry, FreshToken(), ct);

        private async Task<string?> GetAsync(HttpClient client, Uri url, string? signature, CancellationToken ct)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (signature is not null)
            {
                request.Headers.TryAddWithoutValidation(GatewayHeaders.ApiKey, _apiKey);
                request.Headers.TryAddWithoutValidation(GatewayHeaders.Signature, signature);
            }

            using var response = await client.SendAsync(request, ct);
            // The body is read as every real client reads it.
            var body = await response.Content.ReadAsStringAsync(ct);
            return response.StatusCode == HttpStatusCode.OK ? null : $"{url.AbsolutePath}: {(int)response.StatusCode} {body}";
        }

        /// <summary>A new RS256 token with its own jti, as a client that signs per request makes it.</summary>
        private string FreshToken() =>
            TokensCommand.SignOne(_privateKey, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 60, Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            _unsigned.Dispose();
            _magento.Dispose();
            _privateKey.Dispose();
        }
    }
}
