using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Hosting.Operator;
using CommerceServices.Platform.Portal.Authorization;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Webhooks;

/// <summary>The management API of an account's webhook endpoints (portal listener): the operator, or the account's own token.</summary>
public static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/api/v1/accounts/{accountId}/webhooks")
            .RequireListener(PlatformListener.Portal)
            .RequireAuthorization(ManagementAuthorization.AccountScopedPolicy)
            .WithTags("Webhooks");

        webhooks.MapPost("/", Create).WithName("CreateWebhookEndpoint")
            .WithSummary("Register an endpoint for one environment's events; its signing secret (whsec_…) is in this answer only.");
        webhooks.MapGet("/", List).WithName("ListWebhookEndpoints").WithSummary("The account's endpoints (never their secrets).");
        webhooks.MapGet("/{endpointId}", Get).WithName("GetWebhookEndpoint").WithSummary("One endpoint.");
        webhooks.MapPut("/{endpointId}", Update).WithName("UpdateWebhookEndpoint")
            .WithSummary("Change the URL, the event types or whether it is enabled; what is not sent stays as it is.");
        webhooks.MapDelete("/{endpointId}", Delete).WithName("DeleteWebhookEndpoint").WithSummary("Delete an endpoint: nothing more is sent to it.");
        webhooks.MapPost("/{endpointId}/roll-secret", RollSecret).WithName("RollWebhookSecret")
            .WithSummary("Make a new secret; the old one stays valid for the overlap (up to 7 days) and deliveries carry both signatures.");
        webhooks.MapPost("/{endpointId}/replay", Replay).WithName("ReplayWebhookEvents")
            .WithSummary("Send again every event of a time range [since, until), with their original webhook-id.");
        webhooks.MapPost("/{endpointId}/deliveries/{deliveryId}/replay", ReplayDelivery).WithName("ReplayWebhookDelivery")
            .WithSummary("Send one delivery's event again, with its original webhook-id.");
        webhooks.MapPost("/{endpointId}/test", SendTest).WithName("SendWebhookTestEvent").WithSummary("Send a webhook.test event to this endpoint.");
        webhooks.MapGet("/{endpointId}/deliveries", Deliveries).WithName("ListWebhookDeliveries")
            .WithSummary("Recent deliveries, newest first: state, attempts, next retry.");
        webhooks.MapGet("/{endpointId}/attempts", Attempts).WithName("ListWebhookAttempts")
            .WithSummary("Recent attempts, newest first: status, duration, response code, next retry.");
        return app;
    }

    private static async Task<Results<Created<IssuedWebhookEndpointView>, ProblemHttpResult>> Create(
        string accountId, CreateWebhookEndpointRequest? request, WebhookEndpointService webhooks, TimeProvider time, HttpContext http,
        CancellationToken ct)
    {
        var outcome = await webhooks.CreateAsync(accountId, request?.Url, request?.Environment, request?.Events, request?.Description, http.Actor(), ct);
        if (outcome.Error is { } error)
        {
            return Problems.Of(error);
        }

        var issued = outcome.Value!;
        return TypedResults.Created($"/api/v1/accounts/{accountId}/webhooks/{issued.Endpoint.Id}",
            new IssuedWebhookEndpointView(WebhookEndpointView.Of(issued.Endpoint, time.GetUtcNow()), issued.Secret));
    }

    private static async Task<Results<Ok<IEnumerable<WebhookEndpointView>>, ProblemHttpResult>> List(
        string accountId, WebhookEndpointService webhooks, TimeProvider time, CancellationToken ct)
    {
        var outcome = await webhooks.ListAsync(accountId, ct);
        var now = time.GetUtcNow();
        return outcome.Error is { } error ? Problems.Of(error) : TypedResults.Ok(outcome.Value!.Select(e => WebhookEndpointView.Of(e, now)));
    }

    private static async Task<Results<Ok<WebhookEndpointView>, ProblemHttpResult>> Get(
        string accountId, string endpointId, WebhookEndpointService webhooks, TimeProvider time, CancellationToken ct) =>
        (await webhooks.GetAsync(accountId, endpointId, ct)).ToOk(e => WebhookEndpointView.Of(e, time.GetUtcNow()));

    private static async Task<Results<Ok<WebhookEndpointView>, ProblemHttpResult>> Update(
        string accountId, string endpointId, UpdateWebhookEndpointRequest? request, WebhookEndpointService webhooks, TimeProvider time,
        HttpContext http, CancellationToken ct) =>
        (await webhooks.UpdateAsync(accountId, endpointId, request?.Url, request?.Events, request?.Enabled, request?.Description, http.Actor(), ct))
        .ToOk(e => WebhookEndpointView.Of(e, time.GetUtcNow()));

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string accountId, string endpointId, WebhookEndpointService webhooks, HttpContext http, CancellationToken ct)
    {
        var outcome = await webhooks.DeleteAsync(accountId, endpointId, http.Actor(), ct);
        return outcome.Error is { } error ? Problems.Of(error) : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<IssuedWebhookEndpointView>, ProblemHttpResult>> RollSecret(
        string accountId, string endpointId, RollWebhookSecretRequest? request, WebhookEndpointService webhooks, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        if (request?.OverlapSeconds is not { } seconds)
        {
            return Problems.Of(ProblemCodes.InvalidOverlap,
                "A roll needs 'overlapSeconds': how long the current secret stays valid beside the new one (0 to 604800).");
        }

        var outcome = await webhooks.RollSecretAsync(accountId, endpointId, TimeSpan.FromSeconds(seconds), http.Actor(), ct);
        return outcome.Error is { } error
            ? Problems.Of(error)
            : TypedResults.Ok(new IssuedWebhookEndpointView(WebhookEndpointView.Of(outcome.Value!.Endpoint, time.GetUtcNow()), outcome.Value.Secret));
    }

    private static async Task<Results<Accepted<ReplayedView>, ProblemHttpResult>> Replay(
        string accountId, string endpointId, ReplayWebhookRequest? request, WebhookEndpointService webhooks, CancellationToken ct)
    {
        var outcome = await webhooks.ReplayAsync(accountId, endpointId, request?.Since, request?.Until, ct);
        return outcome.Error is { } error
            ? Problems.Of(error)
            : TypedResults.Accepted($"/api/v1/accounts/{accountId}/webhooks/{endpointId}/deliveries", new ReplayedView(outcome.Value));
    }

    private static async Task<Results<Accepted<WebhookDeliveryView>, ProblemHttpResult>> ReplayDelivery(
        string accountId, string endpointId, string deliveryId, WebhookEndpointService webhooks, CancellationToken ct) =>
        Queued(accountId, endpointId, await webhooks.ReplayDeliveryAsync(accountId, endpointId, deliveryId, ct));

    private static async Task<Results<Accepted<WebhookDeliveryView>, ProblemHttpResult>> SendTest(
        string accountId, string endpointId, WebhookEndpointService webhooks, CancellationToken ct) =>
        Queued(accountId, endpointId, await webhooks.SendTestAsync(accountId, endpointId, ct));

    private static async Task<Results<Ok<IEnumerable<WebhookDeliveryView>>, ProblemHttpResult>> Deliveries(
        string accountId, string endpointId, int? limit, WebhookEndpointService webhooks, CancellationToken ct)
    {
        var outcome = await webhooks.DeliveriesAsync(accountId, endpointId, limit ?? 50, ct);
        return outcome.Error is { } error ? Problems.Of(error) : TypedResults.Ok(outcome.Value!.Select(WebhookDeliveryView.Of));
    }

    private static async Task<Results<Ok<IEnumerable<WebhookAttemptView>>, ProblemHttpResult>> Attempts(
        string accountId, string endpointId, int? limit, WebhookEndpointService webhooks, CancellationToken ct)
    {
        var outcome = await webhooks.AttemptsAsync(accountId, endpointId, limit ?? 50, ct);
        return outcome.Error is { } error ? Problems.Of(error) : TypedResults.Ok(outcome.Value!.Select(WebhookAttemptView.Of));
    }

    private static Results<Accepted<WebhookDeliveryView>, ProblemHttpResult> Queued(
        string accountId, string endpointId, Outcome<DeliveryDetails> outcome) =>
        outcome.Error is { } error
            ? Problems.Of(error)
            : TypedResults.Accepted($"/api/v1/accounts/{accountId}/webhooks/{endpointId}/deliveries", WebhookDeliveryView.Of(outcome.Value!));
}
