using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Hosting.Operator;
using CommerceServices.Platform.Portal.Authorization;
using CommerceServices.Platform.Traffic;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Operators;

/// <summary>
/// The management API's operator calls (portal listener, operator token only): operator invitations, the audit log's
/// search and export over every account, and the gateway traffic rollups. The console's pages call the same services.
/// </summary>
public static class OperatorsApi
{
    public static IEndpointRouteBuilder MapOperatorsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1")
            .RequireListener(PlatformListener.Portal)
            .RequireAuthorization(ManagementAuthorization.OperatorOnlyPolicy)
            .WithTags("Operators");
        api.MapPost("/operators/invitations", Invite).WithName("InviteOperator")
            .WithSummary("Make a one-time link that lets a person set a password and become an operator (admin or support).");
        api.MapGet("/operators", List).WithName("ListOperators").WithSummary("The operators and their roles (never secrets).");
        api.MapGet("/audit", Search).WithName("SearchAuditEvents")
            .WithSummary("Audit events of every account, newest first, by account, actor, action, object and time; paged by cursor.");
        api.MapGet("/audit/export", Export).WithName("ExportAuditEvents")
            .WithSummary("Every audit event of a search, streamed as CSV (format=csv) or JSON Lines (format=jsonl).");
        api.MapGet("/traffic", Traffic).WithName("GatewayTraffic")
            .WithSummary("Gateway calls per minute by outcome, and the accounts and keys with the most refusals.");
        return app;
    }

    private static async Task<Results<Created<OperatorInvitationView>, ProblemHttpResult>> Invite(
        InviteOperatorRequest? request, OperatorService operators, ConsoleLinks links, HttpContext http, CancellationToken ct)
    {
        var outcome = await operators.InviteAsync(request?.Email, request?.Role, http.Actor(), ct);
        if (outcome.Error is { } error)
        {
            return Problems.Of(error);
        }

        var issued = outcome.Value!;
        return TypedResults.Created((string?)null, new OperatorInvitationView(issued.Invitation.Id, issued.Invitation.Email,
            issued.Invitation.Role.ToName(), links.Invitation(http, issued.Secret), issued.Invitation.ExpiresAt));
    }

    private static async Task<Ok<IEnumerable<OperatorView>>> List(OperatorService operators, CancellationToken ct) =>
        TypedResults.Ok((await operators.ListAsync(ct)).Select(OperatorView.Of));

    private static async Task<Results<Ok<AuditSearchView>, ProblemHttpResult>> Search(
        [AsParameters] AuditSearchParameters query, AuditLog audit, CancellationToken ct)
    {
        if (query.Validate() is { } invalid)
        {
            return Problems.Of(invalid);
        }

        var page = await audit.SearchAsync(query.ToQuery(), query.After, query.Limit ?? 100, ct);
        return TypedResults.Ok(new AuditSearchView(page.Events.Select(AuditEventView.Of).ToList(), page.Next));
    }

    private static async Task<IResult> Export([AsParameters] AuditSearchParameters query, string? format, AuditLog audit,
        TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (query.Validate() is { } invalid)
        {
            return Problems.Of(invalid);
        }

        format ??= AuditExport.Csv;
        if (!AuditExport.IsFormat(format))
        {
            return Problems.Of(ProblemCodes.InvalidRequest, "'format' must be 'csv' or 'jsonl'.");
        }

        await AuditExport.WriteAsync(http.Response, format, audit.StreamAsync(query.ToQuery(), query.Limit, ct), time, ct);
        return Results.Empty;
    }

    private static async Task<Ok<TrafficSummary>> Traffic(int? hours, string? environment, string? service, TrafficService traffic, CancellationToken ct) =>
        TypedResults.Ok(await traffic.SummaryAsync(hours ?? 24, environment, service, ct));
}

public sealed record InviteOperatorRequest(string? Email, string? Role);

/// <summary>The invitation link: the only place its secret appears.</summary>
public sealed record OperatorInvitationView(string Id, string Email, string Role, string InvitationUrl, DateTimeOffset ExpiresAt);

public sealed record OperatorView(string Id, string Email, string Role, bool SecondFactor, DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt, DateTimeOffset? DisabledAt)
{
    public static OperatorView Of(OperatorUser o) =>
        new(o.Id, o.Email, o.Role.ToName(), o.TotpSecret is not null, o.CreatedAt, o.LastSignInAt, o.DisabledAt);
}

public sealed record AuditSearchView(IReadOnlyList<AuditEventView> Events, string? Next);

/// <summary>The query string of an audit search (the API's and the console's): all optional.</summary>
public sealed class AuditSearchParameters
{
    public string? Account { get; set; }

    public string? Actor { get; set; }

    public string? Action { get; set; }

    /// <summary>The object of the event: an API key, data space id, token id, service or email.</summary>
    public string? Object { get; set; }

    /// <summary>Inclusive; ISO 8601, UTC unless it names an offset (a browser's datetime-local value works too).</summary>
    public string? From { get; set; }

    /// <summary>Exclusive; as <see cref="From"/>.</summary>
    public string? To { get; set; }

    /// <summary>The <c>next</c> of the previous page.</summary>
    public string? After { get; set; }

    public int? Limit { get; set; }

    public DateTimeOffset? FromTime => Time(From);

    public DateTimeOffset? ToTime => Time(To);

    public AuditQuery ToQuery() => AuditQuery.Of(Account, Actor, Action, Object, FromTime, ToTime);

    public PlatformError? Validate() =>
        Limit is < 1 ? new PlatformError(ProblemCodes.InvalidRequest, "'limit' must be 1 or more.")
        : !string.IsNullOrWhiteSpace(From) && FromTime is null ? new PlatformError(ProblemCodes.InvalidRequest, $"'from' must be a time such as 2026-01-31T09:00:00Z; '{From}' is not.")
        : !string.IsNullOrWhiteSpace(To) && ToTime is null ? new PlatformError(ProblemCodes.InvalidRequest, $"'to' must be a time such as 2026-01-31T18:00:00Z; '{To}' is not.")
        : FromTime is { } from && ToTime is { } to && to <= from ? new PlatformError(ProblemCodes.InvalidRequest, "'to' must be after 'from'.")
        : After is not null && !AuditLog.IsCursor(After) ? new PlatformError(ProblemCodes.InvalidRequest, "'after' is not a cursor this API gave out; start from the first page.")
        : null;

    private static DateTimeOffset? Time(string? value) =>
        DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
}
