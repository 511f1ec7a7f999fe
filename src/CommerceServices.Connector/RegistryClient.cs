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
        return SendAsync<GatewayInfo>(gatewayUrl, request, "gateway", ct);
    }

    /// <summary>200 when the pair is valid; with a data space id, also that data space and the instance bound to it.</summary>
    public Task<GatewayResult<PingResponse>> PingAsync(GatewayTarget target, CancellationToken ct = default) =>
        SendAsync<PingResponse>(target.GatewayUrl, Request(HttpMethod.Get, target, "ping"), "ping", ct);

    /// <summary>
    /// The account's projects with their data spaces, built from the registry's flat listing (one entry per data space,
    /// the shape the Magento module reads) and its list of projects, which also names projects with no data space yet.
    /// </summary>
    public async Task<GatewayResult<IReadOnlyList<RegistryProject>>> ListProjectsAsync(GatewayTarget target, CancellationToken ct = default)
    {
        var result = await SendAsync<RegistryListing>(target.GatewayUrl, Request(HttpMethod.Get, target, "registry"), "list", ct);
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
        SendAsync<DataSpaceDetailsView>(target.GatewayUrl, Request(HttpMethod.Get, target, $"registry/data-spaces/{Segment(dataSpaceId)}"), "get_data_space", ct);

    /// <summary>Binds the data space to <paramref name="instanceId"/> (R13); the same instance again is not an error.</summary>
    public Task<GatewayResult<DataSpaceView>> BindAsync(GatewayTarget target, string dataSpaceId, string instanceId, CancellationToken ct = default)
    {
        var request = Request(HttpMethod.Put, target, $"registry/data-spaces/{Segment(dataSpaceId)}/instance");
        request.Content = JsonContent.Create(new BindInstanceRequest(instanceId), options: JsonOptions);
        return SendAsync<DataSpaceView>(target.GatewayUrl, request, "bind", ct);
    }

    /// <summary>Releases the data space from <paramref name="instanceId"/>.</summary>
    public async Task<GatewayResult<bool>> ReleaseAsync(GatewayTarget target, string dataSpaceId, string instanceId, CancellationToken ct = default)
    {
        var request = Request(HttpMethod.Delete, target,
            $"registry/data-spaces/{Segment(dataSpaceId)}/instance?instanceId={Uri.EscapeDataString(instanceId)}");
        var result = await SendAsync<JsonNode>(target.GatewayUrl, request, "release", ct);
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
        var result = await SendAsync<CopyResult>(target.GatewayUrl, request, "copy", ct);
        return result.Failure is { } failure ? failure : (result.Value!.Copied ?? []).ToList();
    }

    public async Task<GatewayResult<IReadOnlyList<ServiceView>>> ListServicesAsync(GatewayTarget target, CancellationToken ct = default)
    {
        var result = await SendAsync<List<ServiceView>>(target.GatewayUrl, Request(HttpMethod.Get, target, "services"), "services", ct);
        return result.Failure is { } failure ? failure : result.Value!;
    }

    private static HttpRequestMessage Request(HttpMethod method, GatewayTarget target, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(Root(target.GatewayUrl), "merchant-registry/v1/" + path));
        request.Options.Set(ConnectorRequestOptions.Credentials, target.Credentials);
        request.Options.Set(ConnectorRequestOptions.DataSpaceId, target.DataSpaceId ?? "");
        return request;
    }

    private Task<GatewayResult<T>> SendAsync<T>(Uri gatewayUrl, HttpRequestMessage request, string operation, CancellationToken ct) =>
        GatewayExchange.SendAsync<T>(http, request, new GatewayCall("registry." + operation, gatewayUrl.ToString(), "the registry's JSON"), ct);

    private static Uri Root(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    private static string Segment(string value) => Uri.EscapeDataString(value);

}
