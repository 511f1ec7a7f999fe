using System.Globalization;
using System.Text;
using CommerceServices.Protocol.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace CommerceServices.Connector.Webhooks;

/// <summary>
/// Receives one delivery: verifies its signature with the <c>StandardWebhooks</c> package against every configured secret,
/// refuses a timestamp more than the tolerance away and a body too large, acknowledges a <c>webhook-id</c> already
/// handled without handling it again, and hands the typed event to the app. The answer tells the platform what to do:
/// 2xx done, 4xx never valid as sent, 5xx (the handler threw) try again later.
/// </summary>
internal sealed partial class WebhookEndpoint(IOptionsMonitor<CommerceServicesWebhooksOptions> options, WebhookIdMemory memory, TimeProvider time,
    ILogger<WebhookEndpoint> logger)
{
    public async Task<IResult> HandleAsync(HttpContext http, Func<CommerceServicesEvent, IServiceProvider, CancellationToken, Task> handler)
    {
        var settings = options.CurrentValue;
        if (http.Request.ContentLength > settings.MaximumBodyBytes)
        {
            return Refuse(StatusCodes.Status413PayloadTooLarge, "body_too_large", "The body is larger than this endpoint takes.");
        }

        var body = await ReadAsync(http.Request, settings.MaximumBodyBytes, http.RequestAborted);
        if (body is null)
        {
            return Refuse(StatusCodes.Status413PayloadTooLarge, "body_too_large", "The body is larger than this endpoint takes.");
        }

        var headers = http.Request.Headers;
        var id = headers[WebhookHeaders.Id].ToString();
        var timestamp = headers[WebhookHeaders.Timestamp].ToString();
        var signatures = headers[WebhookHeaders.Signature].ToString();
        if (id.Length is 0 or > 200 || timestamp.Length == 0 || signatures.Length == 0)
        {
            return Refuse(StatusCodes.Status400BadRequest, "missing_webhook_headers", "webhook-id, webhook-timestamp and webhook-signature are required.");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > settings.Tolerance)
        {
            return Refuse(StatusCodes.Status400BadRequest, "stale_timestamp",
                $"webhook-timestamp is more than {settings.Tolerance.TotalMinutes:0.#} minutes from this server's clock (a replayed or delayed request, or a clock off).");
        }

        if (!Verify(settings.Secrets, body, id, timestamp, signatures))
        {
            return Refuse(StatusCodes.Status401Unauthorized, "invalid_signature",
                "No signature matches a configured secret (CommerceServices:Webhooks:Secrets).");
        }

        var parsed = Parse(body);
        if (parsed is null || parsed.Id != id)
        {
            return Refuse(StatusCodes.Status400BadRequest, "invalid_event", "The body is not an event, or its id is not the webhook-id.");
        }

        switch (memory.TryBegin(id))
        {
            case WebhookIdMemory.Begin.Done:
                LogDuplicate(logger, id);
                return TypedResults.Ok(new { duplicate = true });
            case WebhookIdMemory.Begin.InProgress:
                return Refuse(StatusCodes.Status409Conflict, "in_progress", "This event is being handled right now; the platform will try again.");
        }

        try
        {
            await handler(parsed, http.RequestServices, http.RequestAborted);
            memory.Complete(id);
            return TypedResults.NoContent();
        }
        catch (Exception e)
        {
            memory.Abandon(id);
            LogHandlerFailed(logger, e, parsed.Type, id);
            return TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "The app could not handle the event.",
                extensions: new Dictionary<string, object?> { ["code"] = "handler_failed" });
        }
    }

    /// <summary>
    /// Whether one of the signatures verifies with one of the secrets, each pair checked by the StandardWebhooks package.
    /// It is given one signature at a time: its own parsing of a header with several reads only the signatures before the
    /// last one (1.1.2), which would fail a secret roll.
    /// </summary>
    private static bool Verify(IReadOnlyList<string> secrets, string body, string id, string timestamp, string signatures)
    {
        foreach (var secret in secrets.Where(CommerceServicesWebhooksOptionsValidator.IsSecret))
        {
            var webhook = new StandardWebhook(secret);
            foreach (var signature in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var single = new HeaderDictionary
                {
                    [WebhookHeaders.Id] = id,
                    [WebhookHeaders.Timestamp] = timestamp,
                    [WebhookHeaders.Signature] = signature,
                };
                try
                {
                    webhook.Verify(body, single);
                    return true;
                }
                catch (WebhookVerificationException)
                {
                    // Not this pair; try the next.
                }
            }
        }

        return false;
    }

    private static CommerceServicesEvent? Parse(string body)
    {
        try
        {
            return CommerceServicesEvent.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static async Task<string?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private IResult Refuse(int status, string code, string detail)
    {
        LogRefused(logger, status, code);
        return TypedResults.Problem(statusCode: status, title: detail, detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code });
    }

    [LoggerMessage(EventId = ConnectorLogEvents.WebhookRefused, Level = LogLevel.Warning, Message = "Refused a webhook delivery: {Status} {Code}.")]
    private static partial void LogRefused(ILogger logger, int status, string code);

    [LoggerMessage(EventId = ConnectorLogEvents.WebhookHandlerFailed, Level = LogLevel.Error,
        Message = "The app's handler failed on {Type} {Id}; the platform will deliver it again.")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string type, string id);

    [LoggerMessage(EventId = ConnectorLogEvents.WebhookDuplicate, Level = LogLevel.Information,
        Message = "Webhook {Id} was handled already; acknowledged without handling it again.")]
    private static partial void LogDuplicate(ILogger logger, string id);
}

/// <summary>
/// The <c>webhook-id</c>s this process handled (and is handling), so each event reaches the app once even when the
/// platform sends it again (a retry after a lost answer, a replay). In memory: a restart forgets them, so an app whose
/// handling must never repeat keeps its own record too (the storefront's is idempotent: it sets an order's state).
/// </summary>
internal sealed class WebhookIdMemory(IOptions<CommerceServicesWebhooksOptions> options) : IDisposable
{
    private readonly MemoryCache _handled = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.MaximumRememberedIds) });
    private readonly HashSet<string> _inProgress = [];

    public enum Begin
    {
        Started,
        InProgress,
        Done,
    }

    public Begin TryBegin(string id)
    {
        lock (_inProgress)
        {
            if (_handled.TryGetValue(id, out _))
            {
                return Begin.Done;
            }

            return _inProgress.Add(id) ? Begin.Started : Begin.InProgress;
        }
    }

    public void Complete(string id)
    {
        lock (_inProgress)
        {
            _inProgress.Remove(id);
            if (options.Value.RememberIdsFor > TimeSpan.Zero)
            {
                _handled.Set(id, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.Value.RememberIdsFor });
            }
        }
    }

    public void Abandon(string id)
    {
        lock (_inProgress)
        {
            _inProgress.Remove(id);
        }
    }

    public void Dispose() => _handled.Dispose();
}
