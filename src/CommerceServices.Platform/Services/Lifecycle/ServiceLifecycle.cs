using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Registry;
using CommerceServices.Platform.Services.Tokens;
using CommerceServices.Protocol.Services;

namespace CommerceServices.Platform.Services.Lifecycle;

/// <summary>
/// One service's side of the data space lifecycle contract (<see cref="LifecyclePaths"/>): what it holds in a data space,
/// copying into another, deleting. Two kinds answer it: a service with a <c>lifecycleUrl</c>, over HTTP with the
/// platform's token (<see cref="RemoteServiceLifecycle"/>), and a service inside the platform through its
/// <see cref="IDataSpaceStore"/> (<see cref="InProcessServiceLifecycle"/>), which keeps its own transaction. A service
/// that cannot answer throws <see cref="LifecycleCallException"/>; the caller decides what that means (holdings
/// unknown, a job step to retry).
/// </summary>
public interface IServiceLifecycle
{
    ServiceDefinition Service { get; }

    Task<LifecycleHoldings> HoldingsAsync(string accountId, string dataSpaceId, CancellationToken cancellationToken);

    Task<int> CopyAsync(string accountId, string fromDataSpaceId, string toDataSpaceId, CancellationToken cancellationToken);

    Task<int> DeleteAsync(string accountId, string dataSpaceId, CancellationToken cancellationToken);
}

/// <summary>A service did not give a usable answer to a lifecycle call; the message says what happened, for people.</summary>
public sealed class LifecycleCallException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A service inside the platform: its store, in a scope (and a database context) of its own for each call.</summary>
internal sealed class InProcessServiceLifecycle(ServiceDefinition service, IServiceScopeFactory scopes) : IServiceLifecycle
{
    public ServiceDefinition Service => service;

    public Task<LifecycleHoldings> HoldingsAsync(string accountId, string dataSpaceId, CancellationToken cancellationToken) =>
        WithStoreAsync(store => store.HoldingsAsync(dataSpaceId, cancellationToken));

    public Task<int> CopyAsync(string accountId, string fromDataSpaceId, string toDataSpaceId, CancellationToken cancellationToken) =>
        WithStoreAsync(store => store.CopyAsync(fromDataSpaceId, toDataSpaceId, cancellationToken));

    public Task<int> DeleteAsync(string accountId, string dataSpaceId, CancellationToken cancellationToken) =>
        WithStoreAsync(store => store.DeleteAsync(dataSpaceId, cancellationToken));

    private async Task<T> WithStoreAsync<T>(Func<IDataSpaceStore, Task<T>> call)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetServices<IDataSpaceStore>().First(s => s.Service == service.Id);
        try
        {
            return await call(store);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or DbUpdateException or TimeoutException or InvalidOperationException)
        {
            throw new LifecycleCallException($"{service.Name} could not be read or written ({e.GetType().Name})", e);
        }
    }
}

/// <summary>A service with a <c>lifecycleUrl</c>: the contract over HTTP, each call with a token of scope <c>lifecycle</c>.</summary>
internal sealed class RemoteServiceLifecycle(ServiceDefinition service, HttpClient http, GatewayTokenIssuer issuer) : IServiceLifecycle
{
    public const string HttpClientName = "CommerceServices.Lifecycle";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public ServiceDefinition Service => service;

    public async Task<LifecycleHoldings> HoldingsAsync(string accountId, string dataSpaceId, CancellationToken cancellationToken)
    {
        var holdings = await SendAsync<LifecycleHoldings>(HttpMethod.Get, LifecyclePaths.Holdings(dataSpaceId), accountId, dataSpaceId, null, cancellationToken);
        return holdings.Items < 0 ? throw new LifecycleCallException($"{service.Name} answered a negative number of items") : holdings;
    }

    public async Task<int> CopyAsync(string accountId, string fromDataSpaceId, string toDataSpaceId, CancellationToken cancellationToken) =>
        (await SendAsync<LifecycleCopyResult>(HttpMethod.Post, LifecyclePaths.Copy(toDataSpaceId), accountId, toDataSpaceId,
            new LifecycleCopyRequest(fromDataSpaceId), cancellationToken)).Copied;

    public async Task<int> DeleteAsync(string accountId, string dataSpaceId, CancellationToken cancellationToken) =>
        (await SendAsync<LifecycleDeleteResult>(HttpMethod.Delete, LifecyclePaths.Delete(dataSpaceId), accountId, dataSpaceId, null, cancellationToken)).Deleted;

    private async Task<T> SendAsync<T>(HttpMethod method, string path, string accountId, string dataSpaceId, object? body, CancellationToken cancellationToken)
    {
        var url = new Uri(service.LifecycleUrl!, path);
        using var request = new HttpRequestMessage(method, url);
        try
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", issuer.IssueForLifecycle(service.Id, accountId, dataSpaceId, Ids.New("req")));
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new LifecycleCallException("this node cannot sign the platform's token (its Data Protection keys are not the other nodes')", e);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new LifecycleCallException($"{service.Name} answered {(int)response.StatusCode} to {method} {url.AbsolutePath}");
            }

            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                   ?? throw new LifecycleCallException($"{service.Name} answered null to {method} {url.AbsolutePath}");
        }
        catch (HttpRequestException e)
        {
            throw new LifecycleCallException($"{service.Name} could not be reached at {url.GetLeftPart(UriPartial.Authority)} ({e.HttpRequestError})", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new LifecycleCallException($"{service.Name} did not answer within {http.Timeout.TotalSeconds:0} s", e);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new LifecycleCallException($"{service.Name} answered {method} {url.AbsolutePath} with a body that is not the lifecycle contract's JSON", e);
        }
    }
}
