using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;

namespace CommerceServices.Connector;

/// <summary>Where a registry call goes and who signs it.</summary>
public sealed record GatewayTarget(Uri GatewayUrl, GatewayCredentials Credentials, string? DataSpaceId = null);

/// <summary>
/// The merchant registry through the gateway of the key's environment (DESIGN.md section 3). Every call returns a
/// value or a <see cref="GatewayFailure"/>: the gateway's <c>code</c> for a refusal, <c>platform_unreachable</c> when
/// it could not be reached.
/// </summary>
public sealed class RegistryClient(HttpClient http)
{
    public const string HttpClientName = "CommerceServices.Registry";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>Anonymous: which gateway <paramref name="gatewayUrl"/> is, and its clock.</summary>
    public Task<GatewayResult<GatewayInfo>> GetGatewayInfoAsync(Uri gatewayUrl, CancellationToken ct = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Root(gatewayUrl), "merchant-registry/v1/gateway"));
        request.Options.Set(ConnectorRequestOptions.Anonymous, true);
        return SendAsync<GatewayInfo>(gatewayUrl, request, ct);
    }

    /// <summary>200 when the pair is valid; with a data space id, also that data space and the instance bound to it.</summary>
    public Task<GatewayResult<PingResponse>> PingAsync(GatewayTarget target, CancellationToken ct = default) =>
        SendAsync<PingResponse>(target.GatewayUrl, Request(HttpMethod.Get, target, "ping"), ct);

    /// <summary>
    /// The account's projects with their data spaces, built from the registry's flat listing (one entry per data space,
    /// the shape the Magento module reads) and its list of projects, which also names projects with no data space yet.
    /// </summary>
    public async Task<GatewayResult<IReadOnlyList<RegistryProject>>> ListProjectsAsync(GatewayTarget target, CancellationToken ct = default)
    {
        var result = await SendAsync<RegistryListing>(target.GatewayUrl, Request(HttpMethod.Get, target, "registry"), ct);
        if (result.Failure is { } failure)
        {
            return failure;
        }

        // An answer without 'results' is not an empty registry: it is not the registry's answer at all.
        if (result.Value!.Results is not { } entries)
        {
            return new GatewayFailure(GatewayFailureKind.Refused, ConnectorCodes.UnexpectedResponse,
                $"The gateway at {target.GatewayUrl} answered without the registry's 'results': is it a Commerce Services gateway?", 200);
        }

        var projects = (result.Value.Projects ?? []).Select(p => (p.Id, p.Name))
            .Concat(entries.Select(e => (Id: e.ProjectId, Name: e.ProjectName)))
            .DistinctBy(p => p.Id);
        return projects.Select(p => new RegistryProject(p.Id, p.Name, entries.Where(e => e.ProjectId == p.Id)
                .Select(e => new DataSpaceInfo(e.EnvironmentId, e.EnvironmentName, e.Type, e.ProjectId, e.InstanceId)).ToList()))
            .ToList();
    }

    public Task<GatewayResult<DataSpaceDetailsView>> GetDataSpaceAsync(GatewayTarget target, string dataSpaceId, CancellationToken ct = default) =>
        SendAsync<DataSpaceDetailsView>(target.GatewayUrl, Request(HttpMethod.Get, target, $"registry/data-spaces/{Segment(dataSpaceId)}"), ct);

    /// <summary>Binds the data space to <paramref name="instanceId"/> (R13); the same instance again is not an error.</summary>
    public Task<GatewayResult<DataSpaceView>> BindAsync(GatewayTarget target, string dataSpaceId, string instanceId, CancellationToken ct = default)
    {
        var request = Request(HttpMethod.Put, target, $"registry/data-spaces/{Segment(dataSpaceId)}/instance");
        request.Content = JsonContent.Create(new BindInstanceRequest(instanceId), options: JsonOptions);
        return SendAsync<DataSpaceView>(target.GatewayUrl, request, ct);
    }

    /// <summary>Releases the data space from <paramref name="instanceId"/>.</summary>
    public async Task<GatewayResult<bool>> ReleaseAsync(GatewayTarget target, string dataSpaceId, string instanceId, CancellationToken ct = default)
    {
        var request = Request(HttpMethod.Delete, target,
            $"registry/data-spaces/{Segment(dataSpaceId)}/instance?instanceId={Uri.EscapeDataString(instanceId)}");
        var result = await SendAsync<JsonNode>(target.GatewayUrl, request, ct);
        return result.Failure is { } failure ? failure : true;
    }

    /// <summary>
    /// Copies every service's data of <paramref name="fromDataSpaceId"/> into <paramref name="toDataSpaceId"/> (R18). The
    /// platform refuses a target bound to an instance other than <paramref name="instanceId"/>. A POST without an
    /// idempotency key: never retried, since a copy that committed and ran again would copy twice.
    /// </summary>
    public async Task<GatewayResult<IReadOnlyList<Holding>>> CopyAsync(GatewayTarget target, string toDataSpaceId, string fromDataSpaceId,
        string? instanceId = null, CancellationToken ct = default)
    {
        var request = Request(HttpMethod.Post, target, $"registry/data-spaces/{Segment(toDataSpaceId)}/copy");
        request.Content = JsonContent.Create(new CopyDataSpaceRequest(fromDataSpaceId, instanceId), options: JsonOptions);
        var result = await SendAsync<CopyResult>(target.GatewayUrl, request, ct);
        return result.Failure is { } failure ? failure : (result.Value!.Copied ?? []).ToList();
    }

    public async Task<GatewayResult<IReadOnlyList<ServiceView>>> ListServicesAsync(GatewayTarget target, CancellationToken ct = default)
    {
        var result = await SendAsync<List<ServiceView>>(target.GatewayUrl, Request(HttpMethod.Get, target, "services"), ct);
        return result.Failure is { } failure ? failure : result.Value!;
    }

    private static HttpRequestMessage Request(HttpMethod method, GatewayTarget target, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(Root(target.GatewayUrl), "merchant-registry/v1/" + path));
        request.Options.Set(ConnectorRequestOptions.Credentials, target.Credentials);
        request.Options.Set(ConnectorRequestOptions.DataSpaceId, target.DataSpaceId ?? "");
        return request;
    }

    private async Task<GatewayResult<T>> SendAsync<T>(Uri gatewayUrl, HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch (HttpRequestException e)
            {
                return Unreachable(gatewayUrl, e.Message);
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                return Unreachable(gatewayUrl, $"no answer within {http.Timeout.TotalSeconds:0} seconds");
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
                        $"The gateway answered {status} with a body that is not the registry's JSON: is {gatewayUrl} a Commerce Services gateway?", status);
                }
            }
        }
    }

    private static GatewayFailure Unreachable(Uri gatewayUrl, string reason) =>
        new(GatewayFailureKind.Unreachable, ConnectorCodes.PlatformUnreachable, $"Could not reach the gateway at {gatewayUrl} ({reason}).");

    /// <summary>A refusal as the gateway's problem code and sentence; any other answer by its status. Shared by the connector's clients.</summary>
    internal static GatewayFailure Refusal(int status, string? reason, string text) =>
        ProblemDocument.TryRead(text, out var code, out var detail)
            ? new GatewayFailure(GatewayFailureKind.Refused, code, detail ?? $"HTTP {status}", status)
            : new GatewayFailure(GatewayFailureKind.Refused, $"http_{status}", $"The gateway answered {status} {reason} without a problem code.", status);

    private static Uri Root(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    private static string Segment(string value) => Uri.EscapeDataString(value);

}
