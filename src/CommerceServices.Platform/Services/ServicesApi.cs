using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Hosting.Operator;
using CommerceServices.Platform.Portal.Authorization;
using CommerceServices.Platform.Services.Forwarding;
using CommerceServices.Platform.Services.Tokens;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Services;

/// <summary>
/// The operator's management API for services behind the gateway and the gateway's signing keys (portal listener,
/// operator token only). The same application code serves the CLI's <c>services</c> commands.
/// </summary>
public static class ServicesApi
{
    public static IEndpointRouteBuilder MapServicesApi(this IEndpointRouteBuilder app)
    {
        var services = app.MapGroup("/api/v1/services")
            .RequireListener(PlatformListener.Portal)
            .RequireAuthorization(ManagementAuthorization.OperatorOnlyPolicy)
            .WithTags("Services");
        services.MapGet("/", List).WithName("ListServices").WithSummary("Every service behind the gateways, Payment Services included, with its health.");
        services.MapPost("/", Create).WithName("RegisterService").WithSummary("Register a service: it is forwarded to on every node within moments.");
        services.MapGet("/{id}", Get).WithName("GetService").WithSummary("One service and the health of each of its upstreams.");
        services.MapPut("/{id}", Update).WithName("ChangeService").WithSummary("Change a service registered through the API.");
        services.MapDelete("/{id}", Delete).WithName("RemoveService").WithSummary("Remove a service registered through the API, and the entitlements to it.");

        var keys = app.MapGroup("/api/v1/gateway/signing-keys")
            .RequireListener(PlatformListener.Portal)
            .RequireAuthorization(ManagementAuthorization.OperatorOnlyPolicy)
            .WithTags("Services");
        keys.MapGet("/", ListKeys).WithName("ListSigningKeys").WithSummary("The keys of the gateway's tokens for upstream services, and what each is doing.");
        keys.MapPost("/roll", RollKey).WithName("RollSigningKey")
            .WithSummary("Publish the next signing key now; it signs after the pre-publication time (or activateInSeconds).");
        return app;
    }

    private static async Task<Ok<IEnumerable<RegisteredServiceView>>> List(ServiceRegistrations registrations, ServiceHealth health, CancellationToken ct) =>
        TypedResults.Ok((await registrations.ListAsync(ct)).Select(s => ViewOf(s, health)));

    private static async Task<Results<Ok<RegisteredServiceView>, ProblemHttpResult>> Get(
        string id, ServiceRegistrations registrations, ServiceHealth health, CancellationToken ct) =>
        (await registrations.GetAsync(id, ct)).ToOk(s => ViewOf(s, health));

    private static async Task<Results<Created<RegisteredServiceView>, ProblemHttpResult>> Create(
        HttpContext http, ServiceRegistration? registration, ServiceRegistrations registrations, ServiceHealth health, CancellationToken ct)
    {
        var outcome = await registrations.CreateAsync(registration, http.Actor(), ct);
        return outcome.Error is { } error ? Problems.Of(error) : TypedResults.Created($"/api/v1/services/{outcome.Value!.Id}", ViewOf(outcome.Value, health));
    }

    private static async Task<Results<Ok<RegisteredServiceView>, ProblemHttpResult>> Update(
        HttpContext http, string id, ServiceRegistration? registration, ServiceRegistrations registrations, ServiceHealth health, CancellationToken ct) =>
        (await registrations.UpdateAsync(id, registration, http.Actor(), ct)).ToOk(s => ViewOf(s, health));

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(HttpContext http, string id, ServiceRegistrations registrations, CancellationToken ct)
    {
        var outcome = await registrations.DeleteAsync(id, http.Actor(), ct);
        return outcome.Error is { } error ? Problems.Of(error) : TypedResults.NoContent();
    }

    private static Ok<IEnumerable<SigningKeyView>> ListKeys(SigningKeyRing ring) =>
        TypedResults.Ok(ring.Keys.Select(k => new SigningKeyView(k.Kid, GatewaySigningKey.Algorithm, ring.StateOf(k), k.CreatedAt, k.ActivatesAt)));

    private static async Task<Results<Created<SigningKeyView>, ProblemHttpResult>> RollKey(RollSigningKeyRequest? request, SigningKeyRing ring, CancellationToken ct)
    {
        if (request?.ActivateInSeconds is < 0 or > 366 * 24 * 3600)
        {
            return Problems.Of(ProblemCodes.InvalidRequest, "'activateInSeconds' must be between 0 (sign at once: for a key that leaked) and 31622400.");
        }

        var key = await ring.RollAsync(request?.ActivateInSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, ct);
        return TypedResults.Created("/api/v1/gateway/signing-keys", new SigningKeyView(key.Kid, GatewaySigningKey.Algorithm, ring.StateOf(key), key.CreatedAt, key.ActivatesAt));
    }

    public static RegisteredServiceView ViewOf(ServiceDefinition s, ServiceHealth health) => new(
        s.Id, s.Name, s.PathPrefix, s.Upstreams.Select(u => u.AbsoluteUri).ToList(), s.DataSpace, s.EnvironmentNames, s.LifecycleUrl?.AbsoluteUri,
        s.TimeoutSeconds, s.HealthPath, s.MaxConcurrentRequests, s.Origin, s.InProcess, health.IsHealthy(s), health.UpstreamsOf(s), s.CreatedAt, s.UpdatedAt);
}

/// <summary>A signing key: <c>next</c> (published, not signing yet), <c>signing</c>, <c>retired</c> (published until its tokens expire) or <c>expired</c>.</summary>
public sealed record SigningKeyView(string Kid, string Algorithm, string State, DateTimeOffset CreatedAt, DateTimeOffset ActivatesAt);

/// <summary>The body of a roll; without <see cref="ActivateInSeconds"/> the new key signs after <c>ServiceGateway:SigningKeyPrePublication</c>.</summary>
public sealed record RollSigningKeyRequest(int? ActivateInSeconds);
