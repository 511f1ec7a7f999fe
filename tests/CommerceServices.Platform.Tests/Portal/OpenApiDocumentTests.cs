using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Portal;

/// <summary>The OpenAPI document on the portal listener describes exactly the management API that answers there.</summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    private PlatformHost _host = null!;

    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task TheDocumentListsEveryManagementEndpoint_AndEachListedOperationAnswers()
    {
        using var anonymous = new HttpClient { BaseAddress = _host.PortalUrl };
        var document = (await anonymous.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var documented = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(op => Methods.Contains(op.Key)).Select(op => $"{op.Key.ToUpperInvariant()} {path.Key}"))
            .Order().ToList();

        var real = _host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .Order().ToList();

        Assert.Contains("POST /api/v1/accounts/{accountId}/invitations", documented);
        Assert.Equal(real, documented);

        // Every documented operation exists on the portal listener: without a token it is 401, never 404 or 405.
        foreach (var operation in documented)
        {
            var (method, path) = (operation.Split(' ')[0], operation.Split(' ')[1]);
            var concrete = path.Replace("{accountId}", "acc_x").Replace("{", "").Replace("}", "");
            using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), concrete));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{operation}: {(int)response.StatusCode}");
        }
    }

    // Route patterns are written with and without a trailing slash on the group root; the document drops it.
    private static string Normalize(string pattern) => pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;
}
