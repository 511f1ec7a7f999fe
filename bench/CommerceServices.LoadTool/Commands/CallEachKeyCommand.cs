using System.CommandLine;
using System.Diagnostics;
using System.Net;

namespace CommerceServices.LoadTool.Commands;

/// <summary>
/// <c>loadtool call-each-key</c>: sends one GET /merchant-registry/v1/ping per line of a file, each key exactly once
/// (what wrk cannot promise), and prints the answers by status and the latency percentiles as <c>name=value</c> lines.
/// Lines are "apiKey&lt;TAB&gt;token" (sandbox gateway), or with <c>--token</c> "apiKey&lt;TAB&gt;environment" and that
/// one token for every key (e.g. "x.y.z": the gateway looks the key up, caches it, then refuses the token as malformed).
/// </summary>
internal static class CallEachKeyCommand
{
    public static Command Build()
    {
        var input = new Option<FileInfo>("--in") { Required = true, Description = "Lines to send, one request each." };
        var sandbox = new Option<string>("--sandbox") { Required = true, Description = "Sandbox gateway base URL." };
        var production = new Option<string?>("--production") { Description = "Production gateway base URL (with --token)." };
        var token = new Option<string?>("--token") { Description = "One token for every line; the second column is then the environment." };
        var concurrency = new Option<int>("--concurrency") { DefaultValueFactory = _ => 16, Description = "Requests in flight." };
        var command = new Command("call-each-key", "Call the gateway once with every key of a file; print statuses and latency.")
        {
            input, sandbox, production, token, concurrency,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var lines = await File.ReadAllLinesAsync(parse.GetRequiredValue(input).FullName, cancellationToken);
            var sharedToken = parse.GetValue(token);
            var sandboxUrl = new Uri(new Uri(parse.GetRequiredValue(sandbox)), "merchant-registry/v1/ping");
            var productionUrl = parse.GetValue(production) is { } p ? new Uri(new Uri(p), "merchant-registry/v1/ping") : null;
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, UseProxy = false });
            var latencies = new double[lines.Length];
            var statuses = new int[600];
            var next = -1;
            var clock = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, Math.Max(1, parse.GetValue(concurrency))).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < lines.Length)
                {
                    var columns = lines[i].Split('\t', 2);
                    var url = sharedToken is not null && columns[1] == "production"
                        ? productionUrl ?? throw new InvalidOperationException("--production is needed for production keys")
                        : sandboxUrl;
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    request.Headers.Add("x-api-key", columns[0]);
                    request.Headers.Add("x-gw-signature", sharedToken ?? columns[1]);
                    var started = Stopwatch.GetTimestamp();
                    using var response = await client.SendAsync(request, cancellationToken);
                    await response.Content.LoadIntoBufferAsync(cancellationToken);
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    Interlocked.Increment(ref statuses[Math.Clamp((int)response.StatusCode, 0, 599)]);
                }
            }, cancellationToken)).ToArray();
            await Task.WhenAll(workers);
            var elapsed = clock.Elapsed.TotalSeconds;

            Array.Sort(latencies);
            double Percentile(double share) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)(share * latencies.Length))];
            Console.WriteLine($"requests={lines.Length}");
            Console.WriteLine($"seconds={elapsed:F1}");
            Console.WriteLine($"rate={lines.Length / elapsed:F0}");
            for (var status = 0; status < statuses.Length; status++)
            {
                if (statuses[status] > 0)
                {
                    Console.WriteLine($"status_{status}={statuses[status]} ({(HttpStatusCode)status})");
                }
            }

            Console.WriteLine($"p50_ms={Percentile(0.50):F2}");
            Console.WriteLine($"p99_ms={Percentile(0.99):F2}");
            Console.WriteLine($"max_ms={(latencies.Length == 0 ? 0 : latencies[^1]):F2}");
            return 0;
        });
        return command;
    }
}
