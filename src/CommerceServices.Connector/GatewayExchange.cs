using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CommerceServices.Protocol;

namespace CommerceServices.Connector;

/// <summary>What a gateway call is, for its span and its messages.</summary>
/// <param name="Operation">The span's name: <c>registry.ping</c>, <c>payments.capture</c>.</param>
/// <param name="Gateway">The gateway as the messages name it.</param>
/// <param name="Answer">What a good answer is, for the message about one that is not: "the registry's JSON".</param>
internal readonly record struct GatewayCall(string Operation, string Gateway, string Answer);

/// <summary>
/// Sends a request through one of the connector's clients and reads the answer: the value, the gateway's refusal (its
/// problem code and sentence), or why the gateway could not be reached. Expected failures are values, never
/// exceptions. The one send-and-read of the registry and Payment Services clients, and the span of each call.
/// </summary>
internal static class GatewayExchange
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private static readonly ActivitySource Source = new(ConnectorTelemetry.ActivitySourceName);

    public static async Task<GatewayResult<T>> SendAsync<T>(HttpClient http, HttpRequestMessage request, GatewayCall call, CancellationToken ct)
    {
        using var span = Source.StartActivity(call.Operation, ActivityKind.Internal);
        var result = await ExchangeAsync<T>(http, request, call, ct);
        if (span is not null && result.Failure is { } failure)
        {
            span.SetTag(ConnectorTelemetry.FailureCode, failure.Code);
            // A refusal is the gateway's answer; an unreachable gateway or its own failure is an error of the call.
            if (failure.Kind == GatewayFailureKind.Unreachable || failure.Status >= 500)
            {
                span.SetStatus(ActivityStatusCode.Error, failure.Message);
            }
        }

        return result;
    }

    private static async Task<GatewayResult<T>> ExchangeAsync<T>(HttpClient http, HttpRequestMessage request, GatewayCall call, CancellationToken ct)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch (CommerceServicesNotConfiguredException e)
            {
                return new GatewayFailure(GatewayFailureKind.Refused, ConnectorCodes.NotConfigured, e.Message);
            }
            catch (HttpRequestException e)
            {
                return Unreachable(call, e.Message);
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                return Unreachable(call, $"no answer within {http.Timeout.TotalSeconds:0} seconds");
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                var status = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    return Refusal(status, response.ReasonPhrase, text);
                }

                if (string.IsNullOrWhiteSpace(text))
                {
                    return typeof(T) == typeof(JsonNode)
                        ? new GatewayResult<T>(default, null)
                        : new GatewayFailure(GatewayFailureKind.Refused, ConnectorCodes.UnexpectedResponse,
                            $"The gateway answered {status} with an empty body.", status);
                }

                try
                {
                    return JsonSerializer.Deserialize<T>(text, JsonOptions) is { } value
                        ? value
                        : new GatewayFailure(GatewayFailureKind.Refused, ConnectorCodes.UnexpectedResponse, "The gateway answered null.", status);
                }
                catch (JsonException)
                {
                    return new GatewayFailure(GatewayFailureKind.Refused, ConnectorCodes.UnexpectedResponse,
                        $"The gateway answered {status} with a body that is not {call.Answer}: is {call.Gateway} a Commerce Services gateway?", status);
                }
            }
        }
    }

    private static GatewayFailure Unreachable(GatewayCall call, string reason) =>
        new(GatewayFailureKind.Unreachable, ConnectorCodes.PlatformUnreachable, $"Could not reach the gateway at {call.Gateway} ({reason}).");

    /// <summary>A refusal as the gateway's problem code and sentence; any other answer by its status.</summary>
    internal static GatewayFailure Refusal(int status, string? reason, string text) =>
        ProblemDocument.TryRead(text, out var code, out var detail)
            ? new GatewayFailure(GatewayFailureKind.Refused, code, detail ?? $"HTTP {status}", status)
            : new GatewayFailure(GatewayFailureKind.Refused, $"http_{status}", $"The gateway answered {status} {reason} without a problem code.", status);
}
