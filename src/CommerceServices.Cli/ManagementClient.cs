using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;

namespace CommerceServices.Cli;

/// <summary>The answer to one management API call: the JSON body (null for 204), or why there is none.</summary>
public readonly record struct ApiResult(JsonNode? Body, CliError? Error)
{
    public static ApiResult Ok(JsonNode? body) => new(body, null);

    public static ApiResult Failed(CliError error) => new(null, error);
}

/// <summary>
/// A thin client of the platform's management API (<c>/api/v1</c> on the portal listener). Refusals come back as the
/// platform's problem code and detail; an unreachable platform is a result too, never an exception.
/// </summary>
public sealed class ManagementClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _http;
    private readonly Uri _platform;
    private readonly string? _tokenSource;

    /// <param name="platform">The portal URL, e.g. <c>http://127.0.0.1:5080</c>.</param>
    /// <param name="operatorToken">Sent as a bearer token; when null or empty no Authorization header is sent, and the
    /// platform answers <c>missing_operator_token</c>.</param>
    /// <param name="tokenSource">Where <paramref name="operatorToken"/> came from (<c>--token</c> or the environment
    /// variable), named when the platform refuses it.</param>
    public ManagementClient(Uri platform, string? operatorToken, HttpMessageHandler? handler = null, string? tokenSource = null)
    {
        _platform = platform;
        _tokenSource = string.IsNullOrEmpty(operatorToken) ? null : tokenSource ?? "--token";
        var root = platform.AbsoluteUri.EndsWith('/') ? platform : new Uri(platform.AbsoluteUri + "/");
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = new Uri(root, "api/v1/");
        _http.Timeout = TimeSpan.FromSeconds(30);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(operatorToken))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
        }
    }

    public Task<ApiResult> CreateAccountAsync(string email, string? name, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "accounts", new JsonObject { ["email"] = email, ["name"] = name }, ct);

    public Task<ApiResult> ListAccountsAsync(CancellationToken ct) => SendAsync(HttpMethod.Get, "accounts", null, ct);

    public Task<ApiResult> GetAccountAsync(string accountId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"accounts/{Segment(accountId)}", null, ct);

    public Task<ApiResult> GrantEntitlementAsync(string accountId, string service, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, $"accounts/{Segment(accountId)}/entitlements/{Segment(service)}", null, ct);

    public Task<ApiResult> RevokeEntitlementAsync(string accountId, string service, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, $"accounts/{Segment(accountId)}/entitlements/{Segment(service)}", null, ct);

    /// <summary>Makes a new active pair. With <paramref name="publicKeyPem"/> the platform makes no private key (R19).</summary>
    public Task<ApiResult> CreateKeyAsync(string accountId, string environment, string? publicKeyPem, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"accounts/{Segment(accountId)}/keys",
            new JsonObject { ["environment"] = environment, ["publicKey"] = publicKeyPem }, ct);

    /// <summary>Makes a new active pair; the old one keeps working for <paramref name="graceSeconds"/> (R17).</summary>
    public Task<ApiResult> RollKeyAsync(string accountId, string environment, int graceSeconds, string? publicKeyPem,
        CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"accounts/{Segment(accountId)}/keys/roll",
            new JsonObject { ["environment"] = environment, ["graceSeconds"] = graceSeconds, ["publicKey"] = publicKeyPem }, ct);

    public Task<ApiResult> ListKeysAsync(string accountId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"accounts/{Segment(accountId)}/keys", null, ct);

    public Task<ApiResult> DeleteKeyAsync(string accountId, string apiKey, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, $"accounts/{Segment(accountId)}/keys/{Segment(apiKey)}", null, ct);

    public Task<ApiResult> ListAuditAsync(string accountId, int? limit, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"accounts/{Segment(accountId)}/audit{(limit is { } n ? $"?limit={n}" : "")}", null, ct);

    /// <summary>Data spaces the account may have and has, per type (R3).</summary>
    public Task<ApiResult> GetQuotaAsync(string accountId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"accounts/{Segment(accountId)}/quota", null, ct);

    /// <summary>A one-time invitation link for the account portal.</summary>
    public Task<ApiResult> InviteUserAsync(string accountId, string email, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"accounts/{Segment(accountId)}/invitations", new JsonObject { ["email"] = email }, ct);

    /// <summary>A one-time invitation link for the operator console, with a role (admin or support).</summary>
    public Task<ApiResult> InviteOperatorAsync(string email, string role, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "operators/invitations", new JsonObject { ["email"] = email, ["role"] = role }, ct);

    public Task<ApiResult> ListOperatorsAsync(CancellationToken ct) => SendAsync(HttpMethod.Get, "operators", null, ct);

    public Task<ApiResult> ListProjectsAsync(string accountId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"accounts/{Segment(accountId)}/projects", null, ct);

    public Task<ApiResult> CreateProjectAsync(string accountId, string name, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"accounts/{Segment(accountId)}/projects", new JsonObject { ["name"] = name }, ct);

    public Task<ApiResult> CreateDataSpaceAsync(string accountId, string projectId, string name, string type, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"accounts/{Segment(accountId)}/data-spaces",
            new JsonObject { ["projectId"] = projectId, ["name"] = name, ["type"] = type }, ct);

    public Task<ApiResult> ListDataSpacesAsync(string accountId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"accounts/{Segment(accountId)}/data-spaces", null, ct);

    public Task<ApiResult> RenameDataSpaceAsync(string accountId, string dataSpaceId, string name, CancellationToken ct) =>
        SendAsync(HttpMethod.Patch, $"accounts/{Segment(accountId)}/data-spaces/{Segment(dataSpaceId)}", new JsonObject { ["name"] = name }, ct);

    /// <summary>Deletes a data space; without <paramref name="force"/> one holding data or bound to an instance is refused.</summary>
    public Task<ApiResult> DeleteDataSpaceAsync(string accountId, string dataSpaceId, bool force, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, $"accounts/{Segment(accountId)}/data-spaces/{Segment(dataSpaceId)}{(force ? "?force=true" : "")}", null, ct);

    public Task<ApiResult> ReleaseDataSpaceAsync(string accountId, string dataSpaceId, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, $"accounts/{Segment(accountId)}/data-spaces/{Segment(dataSpaceId)}/instance", null, ct);

    /// <summary>
    /// Copies every service's data of <paramref name="from"/> into <paramref name="to"/> (R18); a target bound to an instance
    /// other than <paramref name="instanceId"/> is refused.
    /// </summary>
    public Task<ApiResult> CopyDataSpaceAsync(string accountId, string from, string to, string? instanceId, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"accounts/{Segment(accountId)}/data-spaces/{Segment(to)}/copy",
            JsonSerializer.SerializeToNode(new CopyDataSpaceRequest(from, instanceId), RequestJson)!.AsObject(), ct);

    /// <summary>Registers a webhook endpoint; the answer holds its secret, once.</summary>
    public Task<ApiResult> CreateWebhookAsync(string accountId, string url, string environment, IReadOnlyList<string> events, string? description,
        CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"accounts/{Segment(accountId)}/webhooks", new JsonObject
        {
            ["url"] = url, ["environment"] = environment, ["events"] = new JsonArray(events.Select(e => (JsonNode?)e).ToArray()), ["description"] = description,
        }, ct);

    public Task<ApiResult> ListWebhooksAsync(string accountId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"accounts/{Segment(accountId)}/webhooks", null, ct);

    /// <summary>Changes what is given (null leaves it as it is).</summary>
    public Task<ApiResult> UpdateWebhookAsync(string accountId, string endpointId, string? url, IReadOnlyList<string>? events, bool? enabled,
        CancellationToken ct) =>
        SendAsync(HttpMethod.Put, $"accounts/{Segment(accountId)}/webhooks/{Segment(endpointId)}", new JsonObject
        {
            ["url"] = url, ["events"] = events is null ? null : new JsonArray(events.Select(e => (JsonNode?)e).ToArray()), ["enabled"] = enabled,
        }, ct);

    public Task<ApiResult> DeleteWebhookAsync(string accountId, string endpointId, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, $"accounts/{Segment(accountId)}/webhooks/{Segment(endpointId)}", null, ct);

    public Task<ApiResult> RollWebhookSecretAsync(string accountId, string endpointId, int overlapSeconds, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"accounts/{Segment(accountId)}/webhooks/{Segment(endpointId)}/roll-secret",
            new JsonObject { ["overlapSeconds"] = overlapSeconds }, ct);

    public Task<ApiResult> ReplayWebhooksAsync(string accountId, string endpointId, DateTimeOffset since, DateTimeOffset until, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"accounts/{Segment(accountId)}/webhooks/{Segment(endpointId)}/replay",
            new JsonObject { ["since"] = since.ToString("O", System.Globalization.CultureInfo.InvariantCulture), ["until"] = until.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }, ct);

    public Task<ApiResult> ReplayWebhookDeliveryAsync(string accountId, string endpointId, string deliveryId, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"accounts/{Segment(accountId)}/webhooks/{Segment(endpointId)}/deliveries/{Segment(deliveryId)}/replay", null, ct);

    public Task<ApiResult> SendWebhookTestAsync(string accountId, string endpointId, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"accounts/{Segment(accountId)}/webhooks/{Segment(endpointId)}/test", null, ct);

    public Task<ApiResult> ListWebhookAttemptsAsync(string accountId, string endpointId, int? limit, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"accounts/{Segment(accountId)}/webhooks/{Segment(endpointId)}/attempts{(limit is { } n ? $"?limit={n}" : "")}", null, ct);

    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web);

    /// <summary>A data space and what each service keeps in it, in the service's own words.</summary>
    public Task<ApiResult> GetDataSpaceAsync(string accountId, string dataSpaceId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"accounts/{Segment(accountId)}/data-spaces/{Segment(dataSpaceId)}", null, ct);

    /// <summary>A copy or delete job across services: where each service stands.</summary>
    public Task<ApiResult> GetJobAsync(string accountId, string jobId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"accounts/{Segment(accountId)}/jobs/{Segment(jobId)}", null, ct);

    public Task<ApiResult> ListServicesAsync(CancellationToken ct) => SendAsync(HttpMethod.Get, "services", null, ct);

    public Task<ApiResult> GetServiceAsync(string id, CancellationToken ct) => SendAsync(HttpMethod.Get, $"services/{Segment(id)}", null, ct);

    /// <summary>Registers a service (<see cref="Protocol.Services.ServiceRegistration"/>).</summary>
    public Task<ApiResult> AddServiceAsync(Protocol.Services.ServiceRegistration registration, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "services", JsonSerializer.SerializeToNode(registration, RequestJson)!.AsObject(), ct);

    public Task<ApiResult> RemoveServiceAsync(string id, CancellationToken ct) => SendAsync(HttpMethod.Delete, $"services/{Segment(id)}", null, ct);

    public void Dispose() => _http.Dispose();

    private static string Segment(string value) => Uri.EscapeDataString(value);

    private async Task<ApiResult> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = JsonContentType;
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            return ApiResult.Failed(CliError.Unreachable(_platform, e.Message));
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return ApiResult.Failed(CliError.Unreachable(_platform, $"no answer within {_http.Timeout.TotalSeconds:0} seconds"));
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            return response.IsSuccessStatusCode ? Success(response.StatusCode, text) : WithTokenHint(Refusal(response, text));
        }
    }

    /// <summary>Says which token the CLI sent (or that it sent none) and the two ways to pass one.</summary>
    private ApiResult WithTokenHint(ApiResult result)
    {
        var hint = result.Error?.Code switch
        {
            Protocol.ProblemCodes.MissingOperatorToken =>
                $"No operator token was given: pass --token <token> or set {GlobalOptions.TokenVariable}.",
            Protocol.ProblemCodes.InvalidOperatorToken =>
                $"The operator token from {_tokenSource} was refused by {_platform}: pass this platform's token with --token <token> or {GlobalOptions.TokenVariable}.",
            _ => null,
        };
        return hint is null ? result : ApiResult.Failed(result.Error! with { Detail = $"{hint} {result.Error!.Detail}" });
    }

    private static ApiResult Success(HttpStatusCode status, string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return ApiResult.Ok(null);
        }

        try
        {
            return ApiResult.Ok(JsonNode.Parse(text));
        }
        catch (JsonException)
        {
            return ApiResult.Failed(CliError.Refused(CliError.UnexpectedResponseCode,
                $"The platform answered {(int)status} with a body that is not JSON."));
        }
    }

    private static ApiResult Refusal(HttpResponseMessage response, string text)
    {
        var status = (int)response.StatusCode;
        return ProblemDocument.TryRead(text, out var code, out var detail)
            ? ApiResult.Failed(CliError.Refused(code, detail ?? $"HTTP {status}"))
            : ApiResult.Failed(CliError.Refused($"http_{status}", $"The platform answered {status} {response.ReasonPhrase} without a problem code."));
    }
}
