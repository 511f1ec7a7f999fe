using System.Collections.Concurrent;
using System.Security.Claims;
using CommerceServices.Service;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace CommerceServices.Testing;

/// <summary>What an upstream saw of one request.</summary>
public sealed record UpstreamRequest(
    string Method, string Path, IReadOnlyDictionary<string, string> Headers, bool Authenticated, IReadOnlyDictionary<string, string> Claims,
    string? AuthenticationFailure);

/// <summary>
/// An upstream service for tests, on a real loopback socket: it checks the gateway's token with the stock JwtBearer
/// handler (through <c>AddCommerceServicesGateway</c>), records every request it receives (so a test can say what never
/// reached it), and answers by path: <c>…/echo</c> what it saw; <c>…/slow?ms=</c> after a wait; <c>…/upload</c> the number
/// of body bytes read; <c>…/download?bytes=</c> that many bytes, streamed; <c>…/status/{code}</c> that status with a body
/// of its own. Every path but <c>/healthz</c> needs a valid token.
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<UpstreamRequest> _requests = new();

    private RecordingUpstream(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<UpstreamRequest> Requests => _requests.ToArray();

    /// <summary>Requests in progress right now (the slow ones, say).</summary>
    public int InProgress => Volatile.Read(ref _inProgress);

    private int _inProgress;

    public static async Task<RecordingUpstream> StartAsync(Uri authority, string serviceId, TimeSpan? keyRefresh = null, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        builder.Logging.ClearProviders();
        builder.Services.AddCommerceServicesGateway(o =>
        {
            o.Authority = authority;
            o.ServiceId = serviceId;
            o.KeyRefreshInterval = keyRefresh ?? TimeSpan.FromHours(1);
        });
        var app = builder.Build();
        var upstream = new RecordingUpstream(app);
        app.Use(async (context, next) =>
        {
            if (context.Request.Path == "/healthz")
            {
                await context.Response.WriteAsync("ok");
                return;
            }

            var result = await context.AuthenticateAsync(CommerceServicesGatewayDefaults.AuthenticationScheme);
            upstream._requests.Enqueue(new UpstreamRequest(
                context.Request.Method, context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                result.Succeeded,
                result.Principal?.Claims.GroupBy(c => c.Type).ToDictionary(g => g.Key, g => g.First().Value) ?? [],
                result.Failure?.Message));
            if (!result.Succeeded)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsync("upstream: no valid gateway token");
                return;
            }

            context.User = result.Principal!;
            Interlocked.Increment(ref upstream._inProgress);
            try
            {
                await next(context);
            }
            finally
            {
                Interlocked.Decrement(ref upstream._inProgress);
            }
        });
        app.MapFallback(async context =>
        {
            var path = context.Request.Path.Value ?? "";
            if (path.EndsWith("/echo", StringComparison.Ordinal))
            {
                var caller = CommerceServicesCaller.From(context.User);
                await context.Response.WriteAsJsonAsync(new { path, caller });
            }
            else if (path.EndsWith("/slow", StringComparison.Ordinal))
            {
                await Task.Delay(int.Parse(context.Request.Query["ms"].ToString(), System.Globalization.CultureInfo.InvariantCulture), context.RequestAborted);
                await context.Response.WriteAsync("slow answer");
            }
            else if (path.EndsWith("/upload", StringComparison.Ordinal))
            {
                var buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    total += read;
                }

                await context.Response.WriteAsJsonAsync(new { bytes = total });
            }
            else if (path.EndsWith("/download", StringComparison.Ordinal))
            {
                var bytes = long.Parse(context.Request.Query["bytes"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
                context.Response.ContentLength = bytes;
                var chunk = new byte[81920];
                for (long sent = 0; sent < bytes; sent += chunk.Length)
                {
                    await context.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - sent)), context.RequestAborted);
                }
            }
            else if (path.Contains("/status/", StringComparison.Ordinal))
            {
                context.Response.StatusCode = int.Parse(path[(path.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                context.Response.ContentType = "application/json";
                context.Response.Headers["x-upstream"] = "its own answer";
                await context.Response.WriteAsync("""{"error":"the upstream's own"}""");
            }
            else
            {
                await context.Response.WriteAsync("ok");
            }
        });
        await app.StartAsync();
        upstream.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
