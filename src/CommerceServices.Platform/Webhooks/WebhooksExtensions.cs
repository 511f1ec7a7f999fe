using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Webhooks.Delivery;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Webhooks;

public static class WebhooksExtensions
{
    /// <summary>
    /// Webhooks: the endpoints' application service, the outbox reader that makes deliveries in the transaction of each
    /// event, this node's delivery worker, the key-expiry notices, and one HTTP client per environment whose connections
    /// check where they go.
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhooksOptions>().BindConfiguration(WebhooksOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhooksOptions>, WebhooksOptionsValidator>();
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<WebhookTargets>();
        services.AddSingleton<OutboxFanOut>();
        services.ConfigureDbContext<PlatformDbContext>((provider, options) => options.AddInterceptors(provider.GetRequiredService<OutboxFanOut>()));
        services.AddScoped<WebhookEndpointService>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<DeliveryRecorder>();
        services.AddHostedService<DeliveryWorker>();
        services.AddHostedService<KeyExpiryNotices>();

        foreach (var environment in new[] { "sandbox", "production" })
        {
            // No redirects (a 3xx is an answer, and could point anywhere), no proxy (it would connect instead of us, unchecked),
            // no cookies; the connection itself checks the address (WebhookTargets.ConnectAsync). Timeouts and retries are
            // the worker's: a delivery is retried on its schedule, durably, never inside one attempt.
            services.AddHttpClient(WebhookSender.ClientName(environment), client => client.Timeout = Timeout.InfiniteTimeSpan)
                .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
                {
                    ConnectCallback = provider.GetRequiredService<WebhookTargets>().ConnectAsync(environment),
                    AllowAutoRedirect = false,
                    UseProxy = false,
                    UseCookies = false,
                    ConnectTimeout = TimeSpan.FromSeconds(10),
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
                })
                .RemoveAllLoggers(); // one line per request at 500/s, with merchants' URLs: the attempts table is the record
        }

        return services;
    }
}
