using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CommerceServices.Platform.Events;
using CommerceServices.Protocol.Webhooks;
using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace CommerceServices.Platform.Webhooks.Delivery;

/// <summary>A claimed delivery with everything needed to send it.</summary>
internal sealed record ClaimedDelivery(
    string Id, string LeaseToken, string EndpointId, string Url, string Environment, DateTimeOffset? FirstAttemptAt, OutboxEvent Event,
    IReadOnlyList<string> SecretKeys, bool Probe);

/// <summary>What one attempt came to.</summary>
internal sealed record AttemptResult(
    ClaimedDelivery Delivery, DateTimeOffset At, TimeSpan Duration, int? StatusCode, string? Error, string? Response, TimeSpan? RetryAfter)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;

    /// <summary>410 Gone: the receiver says the endpoint is no more.</summary>
    public bool Gone => StatusCode == (int)HttpStatusCode.Gone;
}

/// <summary>
/// Sends one attempt: the Standard Webhooks body and headers, signed with every valid secret of the endpoint (the
/// <c>StandardWebhooks</c> package makes each signature), over the client of the endpoint's environment, whose
/// connections check the target address (<see cref="WebhookTargets"/>). Never throws for the receiver's sake.
/// </summary>
internal sealed class WebhookSender(IHttpClientFactory clients, IOptions<WebhooksOptions> options, TimeProvider time)
{
    public const string UserAgent = "CommerceServices-Webhooks/1.0";
    private const int ResponseSnippetLength = 200;

    public static string ClientName(string environment) => $"webhooks-{environment}";

    public async Task<AttemptResult> SendAsync(ClaimedDelivery delivery, CancellationToken stopping)
    {
        var body = Body(delivery.Event);
        var at = time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation(WebhookHeaders.Id, delivery.Event.Id);
        request.Headers.TryAddWithoutValidation(WebhookHeaders.Timestamp, at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookHeaders.Signature, Signatures(delivery, at, body));
        request.Headers.UserAgent.ParseAdd(UserAgent);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(options.Value.Timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await clients.CreateClient(ClientName(delivery.Environment))
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var snippet = await SnippetAsync(response, timeout.Token);
            var status = (int)response.StatusCode;
            TimeSpan? retryAfter = status is 429 or 503 ? RetryAfterOf(response.Headers.RetryAfter, at) : null;
            return new AttemptResult(delivery, at, watch.Elapsed, status, status is >= 200 and < 300 ? null : $"HTTP {status}", snippet, retryAfter);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return new AttemptResult(delivery, at, watch.Elapsed, null, $"no answer within {options.Value.Timeout.TotalSeconds:0.#} s", null, null);
        }
        catch (HttpRequestException e)
        {
            var refused = e.InnerException as WebhookTargetRefusedException ?? e.InnerException?.InnerException as WebhookTargetRefusedException;
            return new AttemptResult(delivery, at, watch.Elapsed, null, refused?.Message ?? Describe(e), null, null);
        }
    }

    /// <summary>The body every receiver gets: the event as <see cref="WebhookEvent"/>, its data exactly as the API returns the subject.</summary>
    public static string Body(OutboxEvent outboxEvent)
    {
        var buffer = new ArrayBufferWriter<byte>(outboxEvent.Data.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", outboxEvent.Id);
            writer.WriteString("type", outboxEvent.Type);
            writer.WriteString("createdAt", outboxEvent.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("environment", outboxEvent.Environment);
            if (outboxEvent.DataSpaceId is { } dataSpaceId)
            {
                writer.WriteString("dataSpaceId", dataSpaceId);
            }

            writer.WritePropertyName("data");
            writer.WriteRawValue(outboxEvent.Data, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// One <c>v1,…</c> per valid secret, oldest first: during a roll, receivers not yet given the new secret keep verifying
    /// even with a library that reads only the first signatures (StandardWebhooks 1.1.2 never checks the last of several).
    /// </summary>
    private static string Signatures(ClaimedDelivery delivery, DateTimeOffset at, string body) =>
        string.Join(' ', delivery.SecretKeys.Select(key => new StandardWebhook(Convert.FromBase64String(key)).Sign(delivery.Event.Id, at, body)));

    private static async Task<string?> SnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[ResponseSnippetLength * 4];
            var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, read);
            return text.Length > ResponseSnippetLength ? text[..ResponseSnippetLength] : text;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return null; // the status is what counts; a body cut short is not a failure
        }
    }

    private static TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        var wait = header?.Delta ?? (header?.Date is { } date ? date - now : null);
        return wait is { } w && w > TimeSpan.Zero ? w : null;
    }

    private static string Describe(HttpRequestException e) =>
        e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "the host name did not resolve",
            HttpRequestError.ConnectionError => "the connection was refused or failed",
            HttpRequestError.SecureConnectionError => "the TLS handshake failed",
            HttpRequestError.ResponseEnded => "the connection closed before an answer",
            _ => e.Message,
        };
}
