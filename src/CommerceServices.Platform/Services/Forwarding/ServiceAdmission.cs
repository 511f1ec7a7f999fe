using System.Globalization;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace CommerceServices.Platform.Services.Forwarding;

/// <summary>
/// The first step of YARP's pipeline for a forwarded service, after the gateway has authenticated the caller, spent its
/// rate limit and resolved its data space (<see cref="GatewayAdmission"/>, <see cref="Registry.DataSpaceResolution"/>):
/// the service must be offered on this gateway, the account entitled to it (403 <c>not_entitled</c>), a data space
/// named when the service needs one (400 <c>data_space_required</c>) and of the gateway's kind (409
/// <c>data_space_type_mismatch</c>), and the service below its concurrency limit (503 <c>service_busy</c>). Nothing
/// refused here reaches the upstream. After forwarding, YARP's failures become the gateway's problems: 502
/// <c>service_unavailable</c>, 504 <c>service_timeout</c>; the upstream's own answers pass through unchanged.
/// </summary>
internal sealed partial class ServiceAdmission(
    RequestDelegate next, ServiceRegistry registry, EntitlementCache entitlements, ServiceLimits limits, Tokens.SigningKeyRing keys,
    IOptions<ServiceGatewayOptions> options, ILogger<ServiceAdmission> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var service = registry.Find(context.GetReverseProxyFeature().Route.Config.RouteId);
        if (service is null || service.InProcess)
        {
            await Problems.WriteAsync(context, ProblemCodes.NotFound, "No service answers at this address.");
            return;
        }

        var caller = GatewayCaller.From(context.User);
        if (!service.IsOfferedOn(caller.Environment))
        {
            await Problems.WriteAsync(context, ProblemCodes.NotFound,
                $"{service.Name} is offered on the {string.Join(" and ", service.EnvironmentNames)} gateway only, not on this {caller.Environment.ToName()} gateway.");
            return;
        }

        if (!await entitlements.IsEntitledAsync(caller.AccountId, service.Id, context.RequestAborted))
        {
            await Problems.WriteAsync(context, ProblemCodes.NotEntitled,
                $"This account is not entitled to {service.Name} ('{service.Id}'). Ask the platform's operator to grant it; keys made by an entitled account are needed.");
            return;
        }

        if (caller.DataSpaceId is null && service.RequiresDataSpace)
        {
            await Problems.WriteAsync(context, ProblemCodes.DataSpaceRequired,
                $"{service.Name} acts on a data space: send its id in '{GatewayHeaders.DataSpaceId}' (or '{GatewayHeaders.DataSpaceIdAlias}').");
            return;
        }

        if (caller.DataSpaceId is { } dataSpace && DataSpaceTypeMismatch(context, caller, dataSpace) is { } mismatch)
        {
            await Problems.WriteAsync(context, ProblemCodes.DataSpaceTypeMismatch, mismatch);
            return;
        }

        if (context.Request.ContentLength > options.Value.MaxRequestBodySize)
        {
            await Problems.WriteAsync(context, ProblemCodes.RequestTooLarge,
                $"The request body is {context.Request.ContentLength} bytes; the gateway forwards at most {options.Value.MaxRequestBodySize}.");
            return;
        }

        if (!keys.CanSign)
        {
            await Problems.WriteAsync(context, ProblemCodes.ServiceUnavailable,
                $"This gateway node cannot sign the token {service.Name} needs (its Data Protection keys are not the other nodes'); the operator is told by its log.");
            return;
        }

        using var permit = limits.TryEnter(service);
        if (!permit.IsAcquired)
        {
            LogBusy(logger, service.Id, service.MaxConcurrentRequests);
            context.Response.Headers.RetryAfter = "1";
            await Problems.WriteAsync(context, ProblemCodes.ServiceBusy,
                $"{service.Name} has {service.MaxConcurrentRequests} calls in progress, as many as it may; retry after the time in Retry-After.");
            return;
        }

        // One span for the call to the upstream: YARP's HttpClient span (and the upstream's own) nest under it. Only
        // inside the request's own span: started without one it would be a new root, and YARP would then send the
        // upstream that new trace instead of the caller's traceparent.
        using var span = System.Diagnostics.Activity.Current is null ? null : PlatformTracing.Start(PlatformTracing.Forward);
        span?.SetTag(PlatformTracing.ServiceId, service.Id);
        await next(context);

        if (context.Features.Get<IForwarderErrorFeature>() is { } failure)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, failure.Error.ToString());
            if (!context.Response.HasStarted)
            {
                await WriteFailureAsync(context, service, failure);
            }
        }
    }

    private static string? DataSpaceTypeMismatch(HttpContext context, GatewayCaller caller, string dataSpace)
    {
        var type = context.User.FindFirst(Gateway.Authentication.GatewayClaims.DataSpaceType)?.Value;
        var expected = caller.Environment == GatewayEnvironment.Production ? "production" : "testing";
        if (type is null || type == expected)
        {
            return null;
        }

        return caller.Environment == GatewayEnvironment.Production
            ? $"Data space '{dataSpace}' is a testing data space; production calls act on the production data space. Use a sandbox key pair for testing data spaces."
            : $"Data space '{dataSpace}' is the production data space; sandbox calls act on testing data spaces. Use the production key pair for live data.";
    }

    private async Task WriteFailureAsync(HttpContext context, ServiceDefinition service, IForwarderErrorFeature failure)
    {
        var status = context.Response.StatusCode;
        LogForwardingFailed(logger, service.Id, failure.Error, failure.Exception?.GetType().Name);
        context.Response.Clear();
        switch (failure.Error)
        {
            case ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled when context.RequestAborted.IsCancellationRequested:
                return; // the caller went away; nobody reads an answer
            case ForwarderError.RequestBodyClient:
                await Problems.WriteAsync(context, status == StatusCodes.Status413PayloadTooLarge ? ProblemCodes.RequestTooLarge : ProblemCodes.InvalidRequest,
                    status == StatusCodes.Status413PayloadTooLarge
                        ? $"The request body is larger than the gateway forwards ({options.Value.MaxRequestBodySize} bytes)."
                        : "The request body could not be read to its end.",
                    status is >= 400 and < 500 ? status : StatusCodes.Status400BadRequest);
                return;
            case ForwarderError.RequestTimedOut:
            case not ForwarderError.NoAvailableDestinations when status == StatusCodes.Status504GatewayTimeout:
                await Problems.WriteAsync(context, ProblemCodes.ServiceTimeout,
                    $"{service.Name} did not answer within {service.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s. Retry later; a call that changes data may have been done.");
                return;
            default:
                await Problems.WriteAsync(context, ProblemCodes.ServiceUnavailable,
                    $"{service.Name} could not be reached ({Describe(failure.Error)}). Retry later; the platform's operator is told by its logs.");
                return;
        }
    }

    private static string Describe(ForwarderError error) => error switch
    {
        ForwarderError.NoAvailableDestinations => "no upstream is available",
        ForwarderError.Request or ForwarderError.RequestCreation => "the connection was refused or failed",
        ForwarderError.RequestBodyDestination => "the upstream stopped reading the request body",
        ForwarderError.ResponseHeaders => "the upstream's answer could not be read",
        _ => error.ToString(),
    };

    [LoggerMessage(EventId = 2131, Level = LogLevel.Warning, Message = "Forwarding to service {ServiceId} failed: {Error} ({ExceptionType}).")]
    private static partial void LogForwardingFailed(ILogger logger, string serviceId, ForwarderError error, string? exceptionType);

    [LoggerMessage(EventId = 2132, Level = LogLevel.Information, Message = "Service {ServiceId} is at its limit of {Limit} calls in progress; a call was refused.")]
    private static partial void LogBusy(ILogger logger, string serviceId, int limit);
}
