using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using StandardWebhooks;

// Usage: CommerceServices.Webhooks.Receiver --port <n> [--secret whsec_…]…   (port 0: any free port)
// Control (same port): PUT /_control/secrets ["whsec_…"], PUT /_control/behaviour {…}, GET /_control/received, DELETE /_control/received.
var port = 0;
var secrets = new List<string>();
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--port")
    {
        port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
    }
    else if (args[i] == "--secret")
    {
        secrets.Add(args[i + 1]);
    }
}

var builder = WebApplication.CreateBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
var app = builder.Build();

var state = new ReceiverState { Secrets = secrets.ToArray() };

app.MapPut("/_control/secrets", (string[] given) => { state.Secrets = given; return Results.NoContent(); });
app.MapPut("/_control/behaviour", (Behaviour given) => { state.Behaviour = given; return Results.NoContent(); });
app.MapGet("/_control/received", () => Results.Json(state.Received.ToArray()));
app.MapDelete("/_control/received", () => { state.Received.Clear(); return Results.NoContent(); });

app.MapPost("/{**path}", async (HttpContext http) =>
{
    var arrived = DateTimeOffset.UtcNow;
    using var reader = new StreamReader(http.Request.Body);
    var body = await reader.ReadToEndAsync();
    var id = http.Request.Headers["webhook-id"].ToString();
    var overlapped = !state.InFlight.TryAdd(id, 0);
    try
    {
        var verifiedWith = Verify(state.Secrets, body, http.Request.Headers, out var verifyError);
        string? type = null, subject = null;
        try
        {
            var json = JsonNode.Parse(body);
            type = json?["type"]?.GetValue<string>();
            subject = json?["data"]?["id"]?.GetValue<string>() ?? json?["data"]?["apiKey"]?.GetValue<string>();
        }
        catch (JsonException)
        {
        }

        var behaviour = state.Behaviour;
        var seen = state.Attempts.AddOrUpdate(id, 1, (_, n) => n + 1);
        var status = behaviour.FailFirst >= seen ? behaviour.FailStatus : behaviour.Status;
        if (behaviour.StatusByType is { } byType && type is not null && byType.TryGetValue(type, out var forType))
        {
            status = forType;
        }

        if (behaviour.DelayMs > 0)
        {
            await Task.Delay(behaviour.DelayMs);
        }

        if (behaviour.RetryAfterSeconds is { } retryAfter && status is 429 or 503)
        {
            http.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        state.Received.Enqueue(new Received(id, http.Request.Headers["webhook-timestamp"].ToString(), http.Request.Headers["webhook-signature"].ToString(),
            verifiedWith, verifyError, type, subject, status, arrived, DateTimeOffset.UtcNow, overlapped, http.Request.Path, body));
        http.Response.StatusCode = status;
        await http.Response.WriteAsync(status is >= 200 and < 300 ? "ok" : "not now");
    }
    finally
    {
        if (!overlapped)
        {
            state.InFlight.TryRemove(id, out _);
        }
    }
});

await app.StartAsync();
Console.WriteLine($"Receiver listening on {app.Urls.First()}");
await app.WaitForShutdownAsync();

// Verified with the StandardWebhooks package. Its Verify checks only the signatures before the last one when a header
// holds several (1.1.2), so each signature is given to it alone: the test's receiver must not miss a valid one.
static int? Verify(string[] secrets, string body, IHeaderDictionary headers, out string? error)
{
    error = "no secret";
    for (var s = 0; s < secrets.Length; s++)
    {
        var webhook = new StandardWebhook(secrets[s]);
        foreach (var signature in headers["webhook-signature"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var single = new HeaderDictionary
            {
                ["webhook-id"] = headers["webhook-id"],
                ["webhook-timestamp"] = headers["webhook-timestamp"],
                ["webhook-signature"] = signature,
            };
            try
            {
                webhook.Verify(body, single);
                error = null;
                return s;
            }
            catch (StandardWebhooks.Diagnostics.WebhookVerificationException e)
            {
                error = e.Message;
            }
        }
    }

    return null;
}

internal sealed class ReceiverState
{
    public string[] Secrets { get; set; } = [];

    public Behaviour Behaviour { get; set; } = new();

    public ConcurrentQueue<Received> Received { get; } = new();

    public ConcurrentDictionary<string, byte> InFlight { get; } = new();

    public ConcurrentDictionary<string, int> Attempts { get; } = new();
}

/// <summary>How to answer: <see cref="FailStatus"/> for the first <see cref="FailFirst"/> attempts of each webhook-id, then <see cref="Status"/>.</summary>
internal sealed record Behaviour(int Status = 204, int FailFirst = 0, int FailStatus = 500, int DelayMs = 0, int? RetryAfterSeconds = null,
    Dictionary<string, int>? StatusByType = null);

internal sealed record Received(string Id, string Timestamp, string Signature, int? VerifiedWith, string? VerifyError, string? Type, string? Subject,
    int Status, DateTimeOffset ArrivedAt, DateTimeOffset AnsweredAt, bool Overlapped, string Path, string Body);
