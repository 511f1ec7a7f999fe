using System.Globalization;
using System.Security.Claims;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Portal;
using CommerceServices.Platform.Portal.Users;
using CommerceServices.Platform.Registry;
using CommerceServices.Platform.Services;
using CommerceServices.Platform.Services.Forwarding;
using CommerceServices.Platform.Traffic;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Operators.Console;

/// <summary>
/// The console's pages: Razor components rendered on the server, forms posted as plain HTML (no script needed), every
/// post checked for its antiforgery token first and every change refused to support operators (403
/// <c>operator_read_only</c>), whatever the page showed. Each page calls the application services the management API
/// calls: no rule is implemented twice.
/// </summary>
internal static class ConsoleEndpoints
{
    private const string NoticeCookie = "cs_operator_notice";
    private const int PageSize = 50;

    public static void Map(RouteGroupBuilder console)
    {
        console.AddEndpointFilter(ValidateAntiforgeryOnPost);

        var anonymous = console.MapGroup("").AllowAnonymous();
        anonymous.MapGet("/sign-in", (HttpContext http, string? returnUrl) => Page<SignInPage>(http, "Operator sign-in", new SignInPageModel("password", ReturnUrl: returnUrl)));
        anonymous.MapPost("/sign-in", SignInAsync).RequireRateLimiting(PortalExtensions.SignInRateLimitPolicy);
        anonymous.MapGet("/sign-in/code", (HttpContext http, string? returnUrl) => Page<SignInPage>(http, "Second factor", new SignInPageModel("code", ReturnUrl: returnUrl)));
        anonymous.MapPost("/sign-in/code", SecondFactorAsync).RequireRateLimiting(PortalExtensions.SignInRateLimitPolicy);
        anonymous.MapGet("/invitations/{secret}", InvitationAsync);
        anonymous.MapPost("/invitations/{secret}", AcceptInvitationAsync).RequireRateLimiting(PortalExtensions.SignInRateLimitPolicy);

        var enrol = console.MapGroup("").RequireAuthorization(OperatorConsoleExtensions.EnrolPolicy);
        enrol.MapGet("/enrol", EnrolAsync);
        enrol.MapPost("/enrol", ConfirmEnrolmentAsync);
        enrol.MapPost("/sign-out", SignOutAsync);

        var pages = console.MapGroup("").RequireAuthorization(OperatorConsoleExtensions.ConsolePolicy);
        pages.MapGet("", () => TypedResults.Redirect(OperatorConsoleExtensions.PathBase + "/accounts"));
        pages.MapGet("/accounts", AccountsAsync);
        pages.MapGet("/accounts/{accountId}", (HttpContext http, string accountId, CancellationToken ct) => AccountAsync(http, accountId, ct));
        pages.MapGet("/accounts/{accountId}/keys/{apiKey}/revoke", ConfirmRevokeKeyAsync);
        pages.MapGet("/accounts/{accountId}/keys/roll/{environment}", ConfirmRollKeyAsync);
        pages.MapGet("/accounts/{accountId}/entitlements/{service}/withdraw", ConfirmWithdrawAsync);
        pages.MapGet("/traffic", TrafficAsync);
        pages.MapGet("/audit", AuditAsync);
        pages.MapGet("/audit/export", ExportAsync);
        pages.MapGet("/services", (HttpContext http, CancellationToken ct) => ServicesAsync(http, null, ct));
        pages.MapGet("/services/{serviceId}/remove", ConfirmRemoveServiceAsync);
        pages.MapGet("/webhooks", async (HttpContext http, Webhooks.WebhookEndpointService webhooks, CancellationToken ct) =>
            Page<WebhooksPage>(http, "Webhooks", await webhooks.OverviewAsync(100, ct)));
        pages.MapGet("/operators", OperatorsAsync);

        var changes = pages.MapGroup("").AddEndpointFilter(RefuseSupport);
        changes.MapPost("/accounts", CreateAccountAsync);
        changes.MapPost("/accounts/{accountId}/entitlements/{service}/grant", GrantAsync);
        changes.MapPost("/accounts/{accountId}/entitlements/{service}/withdraw", WithdrawAsync);
        changes.MapPost("/accounts/{accountId}/keys/{apiKey}/revoke", RevokeKeyAsync);
        changes.MapPost("/accounts/{accountId}/keys/roll/{environment}", RollKeyAsync);
        changes.MapPost("/accounts/{accountId}/invitations", InviteUserAsync);
        changes.MapPost("/operators/invitations", InviteOperatorAsync);
        changes.MapPost("/services", RegisterServiceAsync);
        changes.MapPost("/services/{serviceId}/remove", RemoveServiceAsync);
        changes.MapPost("/operators/{operatorId}/disable", DisableOperatorAsync);
        changes.MapPost("/operators/{operatorId}/reset-second-factor", ResetSecondFactorAsync);
    }

    // ---- Sign-in, the second factor, invitations, enrolment ----

    private static async Task<IResult> SignInAsync(HttpContext http, OperatorService operators, CancellationToken ct)
    {
        var form = await http.Request.ReadFormAsync(ct);
        var email = Field(form, "email");
        var returnUrl = Field(form, "returnUrl");
        var outcome = await operators.CheckPasswordAsync(email, Field(form, "password"), ct);
        if (outcome.Error is { } error)
        {
            return Page<SignInPage>(http, "Operator sign-in", new SignInPageModel("password", email, returnUrl), error: error);
        }

        var user = outcome.Value!;
        if (user.TotpSecret is not null)
        {
            await http.SignInAsync(OperatorConsoleExtensions.TwoFactorScheme, OperatorConsoleExtensions.PendingPrincipalOf(user));
            return TypedResults.Redirect(OperatorConsoleExtensions.PathBase + "/sign-in/code" + (returnUrl is null ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl)));
        }

        await http.SignInAsync(OperatorConsoleExtensions.CookieScheme, OperatorConsoleExtensions.PrincipalOf(user, full: !user.MustUseTotp));
        return user.MustUseTotp ? TypedResults.Redirect(OperatorConsoleExtensions.PathBase + "/enrol") : LocalRedirect(returnUrl);
    }

    private static async Task<IResult> SecondFactorAsync(HttpContext http, OperatorService operators, CancellationToken ct)
    {
        var form = await http.Request.ReadFormAsync(ct);
        var returnUrl = Field(form, "returnUrl");
        var pending = await http.AuthenticateAsync(OperatorConsoleExtensions.TwoFactorScheme);
        var operatorId = pending.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var stamp = pending.Principal?.FindFirstValue(OperatorConsoleExtensions.SecurityStampClaim);
        if (operatorId is null || stamp is null)
        {
            return Page<SignInPage>(http, "Operator sign-in", new SignInPageModel("password", ReturnUrl: returnUrl),
                error: new PlatformError(ProblemCodes.InvalidCredentials, "Your sign-in took longer than five minutes; sign in again with your email and password."));
        }

        var outcome = await operators.CheckSecondFactorAsync(operatorId, stamp, Field(form, "code"), ct);
        if (outcome.Error is { } error)
        {
            return Page<SignInPage>(http, "Second factor", new SignInPageModel("code", ReturnUrl: returnUrl), error: error);
        }

        await http.SignOutAsync(OperatorConsoleExtensions.TwoFactorScheme);
        await http.SignInAsync(OperatorConsoleExtensions.CookieScheme, OperatorConsoleExtensions.PrincipalOf(outcome.Value!, full: true));
        return LocalRedirect(returnUrl);
    }

    private static async Task<IResult> InvitationAsync(HttpContext http, string secret, OperatorService operators, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        var invitation = await operators.FindInvitationAsync(secret, ct);
        return invitation is null
            ? Message(http, StatusCodes.Status410Gone, "This invitation cannot be used", "The link was used already or has expired. Ask an admin for a new one.", ProblemCodes.InvalidInvitation)
            : Page<SignInPage>(http, "Become an operator", new SignInPageModel("invitation", InvitedEmail: invitation.Email, InvitedRole: invitation.Role.ToName(), Secret: secret));
    }

    private static async Task<IResult> AcceptInvitationAsync(HttpContext http, string secret, OperatorService operators, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        var form = await http.Request.ReadFormAsync(ct);
        var outcome = await operators.AcceptInvitationAsync(secret, Field(form, "password"), ct);
        if (outcome.Error is { } error)
        {
            var invitation = await operators.FindInvitationAsync(secret, ct);
            return invitation is null
                ? Message(http, error.Status, "This invitation cannot be used", error.Message, error.Code)
                : Page<SignInPage>(http, "Become an operator", new SignInPageModel("invitation", InvitedEmail: invitation.Email,
                    InvitedRole: invitation.Role.ToName(), Secret: secret), error: error);
        }

        var user = outcome.Value!;
        await http.SignInAsync(OperatorConsoleExtensions.CookieScheme, OperatorConsoleExtensions.PrincipalOf(user, full: !user.MustUseTotp));
        if (user.MustUseTotp)
        {
            return TypedResults.Redirect(OperatorConsoleExtensions.PathBase + "/enrol");
        }

        SetNotice(http, "Your password is set. Welcome to the operator console.");
        return TypedResults.Redirect(OperatorConsoleExtensions.PathBase + "/accounts");
    }

    private static async Task<IResult> EnrolAsync(HttpContext http, OperatorService operators, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        var outcome = await operators.BeginEnrolmentAsync(OperatorId(http), ct);
        if (outcome.Error is { } error)
        {
            return Message(http, error.Status, "Not found", error.Message, error.Code);
        }

        return Page<EnrolPage>(http, "Set up your authenticator", EnrolModel(http, outcome.Value!));
    }

    private static async Task<IResult> ConfirmEnrolmentAsync(HttpContext http, OperatorService operators, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        var form = await http.Request.ReadFormAsync(ct);
        var outcome = await operators.ConfirmEnrolmentAsync(OperatorId(http), Field(form, "code"), ct);
        if (outcome.Error is { } error)
        {
            var enrolment = await operators.BeginEnrolmentAsync(OperatorId(http), ct);
            return enrolment.Value is null
                ? Message(http, error.Status, "Not set up", error.Message, error.Code)
                : Page<EnrolPage>(http, "Set up your authenticator", EnrolModel(http, enrolment.Value), error: error);
        }

        var (user, codes) = outcome.Value;
        var principal = OperatorConsoleExtensions.PrincipalOf(user, full: true);
        await http.SignInAsync(OperatorConsoleExtensions.CookieScheme, principal);
        http.User = principal; // the page below is the new session's: its antiforgery token must be too
        return Page<RecoveryCodesPage>(http, "Your recovery codes", codes);
    }

    private static EnrolPageModel EnrolModel(HttpContext http, TotpEnrolment enrolment) =>
        new(enrolment, QrCodeSvg.Render(enrolment.OtpAuthUri, "QR code for your authenticator app"),
            http.User.FindFirstValue(OperatorConsoleExtensions.AccessClaim) != "full");

    private static async Task<IResult> SignOutAsync(HttpContext http, OperatorService operators, CancellationToken ct)
    {
        await operators.SignOutAsync(OperatorId(http), ct);
        await http.SignOutAsync(OperatorConsoleExtensions.CookieScheme);
        return TypedResults.Redirect(OperatorConsoleExtensions.PathBase + "/sign-in");
    }

    // ---- Accounts ----

    private static async Task<IResult> AccountsAsync(HttpContext http, string? q, AccountService accounts, CancellationToken ct) =>
        Page<AccountsPage>(http, "Accounts", new AccountsPageModel(q, await accounts.SearchAsync(q, PageSize, ct)));

    private static async Task<IResult> CreateAccountAsync(HttpContext http, AccountService accounts, CancellationToken ct)
    {
        var form = await http.Request.ReadFormAsync(ct);
        var outcome = await accounts.CreateAsync(Field(form, "email"), Field(form, "name"), Actor(http), ct);
        if (outcome.Error is { } error)
        {
            return Page<AccountsPage>(http, "Accounts", new AccountsPageModel(null, await accounts.SearchAsync(null, PageSize, ct),
                Field(form, "email"), Field(form, "name")), error: error);
        }

        SetNotice(http, $"Account {outcome.Value!.Id} is created.");
        return AccountRedirect(outcome.Value.Id);
    }

    private static async Task<IResult> AccountAsync(HttpContext http, string accountId, CancellationToken ct, PlatformError? error = null,
        string? invitationLink = null)
    {
        var model = await AccountModelAsync(accountId, http.RequestServices, ct);
        return model is null
            ? NotFound(http, $"There is no account '{accountId}'.")
            : Page<AccountPage>(http, model.Account.Name, model with { InvitationLink = invitationLink }, error: error);
    }

    private static async Task<AccountPageModel?> AccountModelAsync(string accountId, IServiceProvider services, CancellationToken ct)
    {
        var account = await services.GetRequiredService<AccountService>().GetAsync(accountId, ct);
        if (account.Value is null)
        {
            return null;
        }

        var users = services.GetRequiredService<UserService>();
        var registry = services.GetRequiredService<RegistryService>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var keys = (await services.GetRequiredService<KeyPairService>().ListAsync(accountId, ct)).Value ?? [];
        var spaces = new List<DataSpaceRow>();
        foreach (var project in (await registry.ListProjectsAsync(accountId, ct)).Value ?? [])
        {
            foreach (var space in project.DataSpaces)
            {
                spaces.Add(new DataSpaceRow(project, space, await registry.HoldingsAsync(accountId, space.Id, ct)));
            }
        }

        var audit = await services.GetRequiredService<AuditLog>().SearchAsync(new AuditQuery(AccountId: accountId), null, 15, ct);
        return new AccountPageModel(account.Value, await users.ListAsync(accountId, ct), await users.PendingInvitationsAsync(accountId, ct),
            keys.Select(k => KeyPairView.Of(k, now)).ToList(), spaces,
            await services.GetRequiredService<TrafficService>().RefusalsOfAsync(accountId, 24, 20, ct), audit.Events);
    }

    private static async Task<IResult> GrantAsync(HttpContext http, string accountId, string service, AccountService accounts,
        ServiceRegistry registry, CancellationToken ct)
    {
        var outcome = await accounts.GrantAsync(accountId, service, Actor(http), ct);
        return Done(http, outcome.Error, accountId, $"{registry.Find(service)?.Name ?? service} is granted.");
    }

    private static async Task<IResult> ConfirmWithdrawAsync(HttpContext http, string accountId, string service, AccountService accounts,
        KeyPairService keys, ServiceRegistry registry, CancellationToken ct)
    {
        var account = await accounts.GetAsync(accountId, ct);
        if (account.Value is null || registry.Find(service) is not { } descriptor)
        {
            return NotFound(http, $"Account '{accountId}' has no service '{service}'.");
        }

        var active = ((await keys.ListAsync(accountId, ct)).Value ?? []).Where(k => k.StatusAt(DateTimeOffset.UtcNow) != KeyStatus.Revoked).ToList();
        return Page<ConfirmPage>(http, "Withdraw a service", new ConfirmPageModel(
            $"Withdraw {descriptor.Name} from {account.Value.Name}?",
            $"{OperatorConsoleExtensions.PathBase}/accounts/{accountId}/entitlements/{descriptor.Id}/withdraw",
            [
                $"Every call to {descriptor.PathPrefix} with this account's keys is refused with not_entitled at once" +
                (active.Count == 0 ? " (the account has no working key now)." : $": {string.Join(", ", active.Select(k => k.ApiKey))}."),
                "The data stays in the data spaces; granting the service again lets the same keys in.",
            ],
            $"Withdraw {descriptor.Name}", $"{OperatorConsoleExtensions.PathBase}/accounts/{accountId}", new Dictionary<string, string>()));
    }

    private static async Task<IResult> WithdrawAsync(HttpContext http, string accountId, string service, AccountService accounts,
        ServiceRegistry registry, CancellationToken ct)
    {
        var outcome = await accounts.RevokeAsync(accountId, service, Actor(http), ct);
        return Done(http, outcome.Error, accountId, $"{registry.Find(service)?.Name ?? service} is withdrawn.");
    }

    private static async Task<IResult> ConfirmRevokeKeyAsync(HttpContext http, string accountId, string apiKey, KeyPairService keys,
        RegistryService registry, TimeProvider time, CancellationToken ct)
    {
        var key = ((await keys.ListAsync(accountId, ct)).Value ?? []).FirstOrDefault(k => k.ApiKey == apiKey);
        if (key is null)
        {
            return NotFound(http, $"Account '{accountId}' has no API key '{apiKey}'.");
        }

        var instances = await InstancesOfAsync(registry, accountId, key.Environment, ct);
        return Page<ConfirmPage>(http, "Revoke a key", new ConfirmPageModel(
            $"Revoke the {key.Environment.ToName()} key {apiKey}?",
            $"{OperatorConsoleExtensions.PathBase}/accounts/{accountId}/keys/{apiKey}/revoke",
            [
                $"{apiKey} stops working at once, on every node: its calls are refused with revoked_api_key.",
                key.LastUsedAt is { } used
                    ? $"It was last used {PortalFormat.Time(used)}{(key.LastUsedFrom is { } from ? $" from {from}" : "")}."
                    : "It has never been used.",
                instances.Count == 0
                    ? $"No instance is bound to a {(key.Environment == GatewayEnvironment.Production ? "production" : "testing")} data space of this account."
                    : $"These instances use {key.Environment.ToName()} data spaces of this account and stop working until they get a new key: {string.Join(", ", instances)}.",
                "This cannot be undone: the merchant makes a new key pair (or you roll one) and applies it in the connector.",
            ],
            "Revoke the key", $"{OperatorConsoleExtensions.PathBase}/accounts/{accountId}", new Dictionary<string, string>()));
    }

    private static async Task<IResult> RevokeKeyAsync(HttpContext http, string accountId, string apiKey, KeyPairService keys, CancellationToken ct)
    {
        var outcome = await keys.RevokeAsync(accountId, apiKey, Actor(http), ct);
        return Done(http, outcome.Error, accountId, $"{apiKey} is revoked.");
    }

    private static async Task<IResult> ConfirmRollKeyAsync(HttpContext http, string accountId, string environment, KeyPairService keys,
        RegistryService registry, TimeProvider time, CancellationToken ct)
    {
        if (!GatewayEnvironments.TryParse(environment, out var parsed))
        {
            return NotFound(http, $"'{environment}' is not an environment.");
        }

        var all = (await keys.ListAsync(accountId, ct)).Value;
        if (all is null)
        {
            return NotFound(http, $"There is no account '{accountId}'.");
        }

        var active = all.FirstOrDefault(k => k.Environment == parsed && k.StatusAt(time.GetUtcNow()) == KeyStatus.Active);
        var instances = await InstancesOfAsync(registry, accountId, parsed, ct);
        return Page<ConfirmPage>(http, "Roll a key", new ConfirmPageModel(
            $"Roll the {parsed.ToName()} key pair of this account?",
            $"{OperatorConsoleExtensions.PathBase}/accounts/{accountId}/keys/roll/{parsed.ToName()}",
            [
                "A new key pair is made; its private key is shown to you once, on the next page. Hand it to the merchant over a safe channel.",
                active is null
                    ? $"The account has no active {parsed.ToName()} key: nothing stops working."
                    : $"{active.ApiKey} keeps working for the grace period you choose, then stops: calls with it are then refused with revoked_api_key.",
                instances.Count == 0
                    ? "No instance is bound to a data space of this environment."
                    : $"These instances must get the new key before the grace period ends: {string.Join(", ", instances)}.",
            ],
            $"Roll the {parsed.ToName()} key", $"{OperatorConsoleExtensions.PathBase}/accounts/{accountId}", new Dictionary<string, string>(),
            OfferGrace: true));
    }

    private static async Task<IResult> RollKeyAsync(HttpContext http, string accountId, string environment, KeyPairService keys,
        TimeProvider time, CancellationToken ct)
    {
        var form = await http.Request.ReadFormAsync(ct);
        var grace = int.TryParse(Field(form, "graceSeconds"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : 0;
        var outcome = await keys.RollAsync(accountId, environment, TimeSpan.FromSeconds(grace), publicKeyPem: null, Actor(http), ct);
        if (outcome.Error is { } error)
        {
            Problems.SetRetryAfter(http.Response, error);
            return Done(http, error, accountId, "");
        }

        http.Response.Headers.CacheControl = "no-store";
        return Page<KeyIssuedPage>(http, "New key pair", new KeyIssuedPageModel(accountId, IssuedKeyPairView.Of(outcome.Value!, time.GetUtcNow())));
    }

    private static async Task<IResult> InviteUserAsync(HttpContext http, string accountId, UserService users, CancellationToken ct)
    {
        var form = await http.Request.ReadFormAsync(ct);
        var outcome = await users.InviteAsync(accountId, Field(form, "email"), Actor(http), ct);
        if (outcome.Error is { } error)
        {
            return error.Code == ProblemCodes.AccountNotFound
                ? NotFound(http, error.Message)
                : await AccountAsync(http, accountId, ct, error);
        }

        // The merchant portal's invitation page is on the portal listener, whichever listener the console is on.
        var portal = http.RequestServices.GetRequiredService<PlatformListeners>().UrlOf(PlatformListener.Portal);
        var link = PortalUrlOf(http, portal) + "/invitations/" + outcome.Value!.Secret;
        http.Response.Headers.CacheControl = "no-store";
        return await AccountAsync(http, accountId, ct, invitationLink: link);
    }

    private static string PortalUrlOf(HttpContext http, Uri bound) =>
        http.RequestServices.GetRequiredService<PlatformListeners>().Identify(http) == PlatformListener.Portal
            ? $"{http.Request.Scheme}://{http.Request.Host}"
            : bound.AbsoluteUri.TrimEnd('/');

    /// <summary>Instances bound to the account's data spaces of the key's kind (production keys: the production data space).</summary>
    private static async Task<List<string>> InstancesOfAsync(RegistryService registry, string accountId, GatewayEnvironment environment, CancellationToken ct)
    {
        var type = environment == GatewayEnvironment.Production ? DataSpaceType.Production : DataSpaceType.Testing;
        return ((await registry.ListDataSpacesAsync(accountId, ct)).Value ?? [])
            .Where(d => d.Type == type && d.InstanceId is not null).Select(d => $"{d.InstanceId} (data space {d.Name})").ToList();
    }

    // ---- Traffic, audit, services, operators ----

    private static async Task<IResult> TrafficAsync(HttpContext http, int? hours, string? environment, string? service, TrafficService traffic, CancellationToken ct)
    {
        var span = hours is 1 or 6 or 24 or 168 or 720 ? hours.Value : 24;
        var summary = await traffic.SummaryAsync(span, environment, service, ct);
        var lastHour = await traffic.SummaryAsync(1, environment, service, ct);
        var bucket = span switch { 1 => TimeSpan.FromMinutes(1), 6 => TimeSpan.FromMinutes(5), 24 => TimeSpan.FromMinutes(10), 168 => TimeSpan.FromHours(1), _ => TimeSpan.FromHours(6) };
        var classes = TrafficChart.ClassesOf(summary.Series.Concat(lastHour.Series).Select(p => p.Outcome));
        return Page<TrafficPage>(http, "Traffic", new TrafficPageModel(span, Blank(environment), Blank(service), summary,
            TrafficChart.Render(summary, bucket, $"Gateway calls over the last {span} hours by outcome, in {bucket.TotalMinutes:0}-minute columns"),
            lastHour, TrafficChart.Render(lastHour, TimeSpan.FromMinutes(1), "Gateway calls of the last hour by outcome, per minute"), classes));
    }

    private static async Task<IResult> AuditAsync(HttpContext http, [AsParameters] AuditSearchParameters query, AuditLog audit, CancellationToken ct)
    {
        if (query.Validate() is { } invalid)
        {
            return Page<AuditSearchPage>(http, "Audit", new AuditPageModel(query, new Accounts.AuditPage([], null), "", ""), error: invalid);
        }

        var page = await audit.SearchAsync(query.ToQuery(), query.After, PageSize, ct);
        var filters = QueryOf(query);
        return Page<AuditSearchPage>(http, "Audit", new AuditPageModel(query, page, filters,
            page.Next is null ? "" : filters + (filters.Length == 0 ? "" : "&") + "after=" + Uri.EscapeDataString(page.Next)));
    }

    private static async Task<IResult> ExportAsync(HttpContext http, [AsParameters] AuditSearchParameters query, string? format, AuditLog audit,
        TimeProvider time, CancellationToken ct)
    {
        if (query.Validate() is { } invalid)
        {
            return Message(http, invalid.Status, "Not exported", invalid.Message, invalid.Code);
        }

        format = AuditExport.IsFormat(format) ? format! : AuditExport.Csv;
        // Who took a copy of the log, and of which part, is itself in the log.
        audit.Record(AuditLog.PlatformAccountId, OperatorAuditActions.AuditExported, Actor(http),
            detail: $"{format}: {(QueryOf(query) is { Length: > 0 } q ? q : "everything")}");
        await http.RequestServices.GetRequiredService<Data.PlatformDbContext>().SaveChangesAsync(ct);
        await AuditExport.WriteAsync(http.Response, format, audit.StreamAsync(query.ToQuery(), query.Limit, ct), time, ct);
        return Results.Empty;
    }

    private static async Task<IResult> ServicesAsync(HttpContext http, PlatformError? error, CancellationToken ct)
    {
        var accounts = http.RequestServices.GetRequiredService<AccountService>();
        var registry = http.RequestServices.GetRequiredService<ServiceRegistry>();
        var health = http.RequestServices.GetRequiredService<ServiceHealth>();
        var counts = await accounts.EntitlementCountsAsync(ct);
        var rows = new List<ServiceRow>();
        foreach (var service in registry.All)
        {
            var upstreams = health.UpstreamsOf(service);
            var (kind, where, state) = service.InProcess
                ? ("built in", (IReadOnlyList<string>)["runs inside the platform process"], "answers whenever the platform does")
                : ($"its own process, {(service.Origin == ServiceOrigins.Configuration ? "defined in configuration" : "registered with the API")}",
                    upstreams.Select(u => $"{u.Url} ({u.Health})").ToList(),
                    health.IsHealthy(service) ? "answers (at least one upstream is not failing)" : "down: every upstream is failing");
            rows.Add(new ServiceRow(service, kind, where, state, counts.GetValueOrDefault(service.Id), await accounts.EntitledAsync(service.Id, 20, ct)));
        }

        return Page<ServicesPage>(http, "Services", new ServicesPageModel(rows), error: error);
    }

    private static async Task<IResult> RegisterServiceAsync(HttpContext http, ServiceRegistrations registrations, CancellationToken ct)
    {
        var form = await http.Request.ReadFormAsync(ct);
        var registration = new ServiceRegistration(
            Blank(Field(form, "id")), Blank(Field(form, "name")), Blank(Field(form, "pathPrefix")),
            (Field(form, "upstreams") ?? "").Split(['\n', '\r', ' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Blank(Field(form, "dataSpace")),
            form.TryGetValue("environments", out var environments) ? environments.Where(e => !string.IsNullOrEmpty(e)).Select(e => e!).ToList() : null,
            Blank(Field(form, "lifecycleUrl")),
            int.TryParse(Field(form, "timeoutSeconds"), CultureInfo.InvariantCulture, out var timeout) ? timeout : null,
            Blank(Field(form, "healthPath")),
            int.TryParse(Field(form, "maxConcurrentRequests"), CultureInfo.InvariantCulture, out var concurrent) ? concurrent : null);
        var outcome = await registrations.CreateAsync(registration, Actor(http), ct);
        if (outcome.Error is { } error)
        {
            return await ServicesAsync(http, error, ct);
        }

        SetNotice(http, $"{outcome.Value!.Name} is registered at {outcome.Value.PathPrefix}; grant it to the accounts that may call it.");
        return TypedResults.Redirect(OperatorConsoleExtensions.PathBase + "/services");
    }

    private static async Task<IResult> ConfirmRemoveServiceAsync(HttpContext http, string serviceId, ServiceRegistry registry, AccountService accounts,
        CancellationToken ct)
    {
        if (registry.Find(serviceId) is not { } service)
        {
            return NotFound(http, $"There is no service '{serviceId}'.");
        }

        var entitled = (await accounts.EntitlementCountsAsync(ct)).GetValueOrDefault(service.Id);
        return Page<ConfirmPage>(http, "Remove a service", new ConfirmPageModel(
            $"Remove {service.Name}?",
            $"{OperatorConsoleExtensions.PathBase}/services/{service.Id}/remove",
            [
                $"Calls to {service.PathPrefix} are answered 404 not_found by both gateways, on every node, at once.",
                $"The entitlements of {entitled:N0} account(s) to '{service.Id}' are removed with it.",
                "What the service keeps in data spaces stays with the service; the platform no longer asks it for holdings, copies or deletes.",
            ],
            $"Remove {service.Name}", $"{OperatorConsoleExtensions.PathBase}/services", new Dictionary<string, string>()));
    }

    private static async Task<IResult> RemoveServiceAsync(HttpContext http, string serviceId, ServiceRegistrations registrations, CancellationToken ct)
    {
        var outcome = await registrations.DeleteAsync(serviceId, Actor(http), ct);
        if (outcome.Error is { } error)
        {
            return await ServicesAsync(http, error, ct);
        }

        SetNotice(http, $"{outcome.Value!.Name} is removed.");
        return TypedResults.Redirect(OperatorConsoleExtensions.PathBase + "/services");
    }

    private static async Task<IResult> OperatorsAsync(HttpContext http, OperatorService operators, CancellationToken ct) =>
        Page<OperatorsPage>(http, "Operators", await OperatorsModelAsync(http, operators, null, ct));

    private static async Task<OperatorsPageModel> OperatorsModelAsync(HttpContext http, OperatorService operators, string? link, CancellationToken ct)
    {
        var self = OperatorId(http);
        var me = await operators.FindAsync(self, ct);
        return new OperatorsPageModel(await operators.ListAsync(ct), await operators.PendingInvitationsAsync(ct), self,
            me?.TotpSecret is not null, await operators.RecoveryCodesLeftAsync(self, ct), link);
    }

    private static async Task<IResult> InviteOperatorAsync(HttpContext http, OperatorService operators, ConsoleLinks links, CancellationToken ct)
    {
        var form = await http.Request.ReadFormAsync(ct);
        var outcome = await operators.InviteAsync(Field(form, "email"), Field(form, "role"), Actor(http), ct);
        if (outcome.Error is { } error)
        {
            return Page<OperatorsPage>(http, "Operators", await OperatorsModelAsync(http, operators, null, ct), error: error);
        }

        http.Response.Headers.CacheControl = "no-store";
        return Page<OperatorsPage>(http, "Operators", await OperatorsModelAsync(http, operators, links.Invitation(http, outcome.Value!.Secret), ct));
    }

    private static async Task<IResult> DisableOperatorAsync(HttpContext http, string operatorId, OperatorService operators, CancellationToken ct)
    {
        var outcome = await operators.DisableAsync(operatorId, Actor(http), ct);
        return OperatorsDone(http, outcome.Error, $"{outcome.Value?.Email} can no longer sign in.");
    }

    private static async Task<IResult> ResetSecondFactorAsync(HttpContext http, string operatorId, OperatorService operators, CancellationToken ct)
    {
        var outcome = await operators.ResetSecondFactorAsync(operatorId, Actor(http), ct);
        return OperatorsDone(http, outcome.Error, $"{outcome.Value?.Email} sets up an authenticator again at the next sign-in.");
    }

    private static IResult OperatorsDone(HttpContext http, PlatformError? error, string notice)
    {
        if (error is not null)
        {
            return Message(http, error.Status, "Not done", error.Message, error.Code);
        }

        SetNotice(http, notice);
        return TypedResults.Redirect(OperatorConsoleExtensions.PathBase + "/operators");
    }

    // ---- Plumbing ----

    /// <summary>Every post carries the antiforgery token of its form, bound to the operator's session.</summary>
    private static async ValueTask<object?> ValidateAntiforgeryOnPost(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (HttpMethods.IsPost(http.Request.Method))
        {
            try
            {
                await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http);
            }
            catch (AntiforgeryValidationException)
            {
                return Message(http, StatusCodes.Status400BadRequest, "The form expired",
                    "This form was not sent by the page it came from, or the page is too old. Go back, reload the page and send it again.",
                    ProblemCodes.InvalidRequest);
            }
        }

        return await next(context);
    }

    /// <summary>A support operator reads everything and changes nothing: the buttons are absent, and the posts refused here.</summary>
    private static ValueTask<object?> RefuseSupport(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.User.IsInRole(OperatorRoles.Admin)
            ? next(context)
            : ValueTask.FromResult<object?>(Message(context.HttpContext, StatusCodes.Status403Forbidden, "Read only",
                "Support operators can read everything and change nothing; ask an admin to make this change.", ProblemCodes.OperatorReadOnly));

    private static IResult Done(HttpContext http, PlatformError? error, string accountId, string notice)
    {
        if (error is not null)
        {
            return error.Code is ProblemCodes.AccountNotFound or ProblemCodes.KeyNotFound
                ? NotFound(http, error.Message)
                : Message(http, error.Status, "Not done", error.Message, error.Code);
        }

        SetNotice(http, notice);
        return AccountRedirect(accountId);
    }

    private static RedirectHttpResult AccountRedirect(string accountId) =>
        TypedResults.Redirect($"{OperatorConsoleExtensions.PathBase}/accounts/{Uri.EscapeDataString(accountId)}");

    private static IResult LocalRedirect(string? returnUrl) =>
        TypedResults.Redirect(returnUrl is not null && returnUrl.StartsWith(OperatorConsoleExtensions.PathBase + "/", StringComparison.Ordinal)
                              && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.Contains('\\', StringComparison.Ordinal)
            ? returnUrl
            : OperatorConsoleExtensions.PathBase + "/accounts");

    internal static IResult Message(HttpContext http, int status, string heading, string text, string? code = null) =>
        Page<MessagePage>(http, heading, new MessagePageModel(heading, text, code), status);

    private static IResult NotFound(HttpContext http, string text) =>
        Message(http, StatusCodes.Status404NotFound, "Not found", text, ProblemCodes.NotFound);

    private static IResult Page<TPage>(HttpContext http, string title, object model, int status = StatusCodes.Status200OK, PlatformError? error = null)
        where TPage : Microsoft.AspNetCore.Components.IComponent
    {
        if (error is not null)
        {
            status = error.Status;
        }

        http.Response.Headers["X-Frame-Options"] = "DENY";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        return new RazorComponentResult<TPage>(new { Frame = FrameOf(http, title, error), Model = model }) { StatusCode = status };
    }

    private static ConsoleFrame FrameOf(HttpContext http, string title, PlatformError? error)
    {
        var signedIn = http.User.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == OperatorConsoleExtensions.CookieScheme);
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        var full = http.User.FindFirstValue(OperatorConsoleExtensions.AccessClaim) == "full";
        var admin = http.User.IsInRole(OperatorRoles.Admin);
        var sections = full
            ? http.RequestServices.GetServices<ConsoleSection>().Where(s => admin || !s.AdminOnly).OrderBy(s => s.Order).ToList()
            : [];
        return new ConsoleFrame(title, signedIn ? http.User.Identity!.Name : null, admin, http.Request.PathBase + http.Request.Path,
            sections, tokens.FormFieldName, tokens.RequestToken, TakeNotice(http), error);
    }

    private static void SetNotice(HttpContext http, string notice) =>
        http.Response.Cookies.Append(NoticeCookie, Uri.EscapeDataString(notice), new CookieOptions
        {
            Path = OperatorConsoleExtensions.PathBase, HttpOnly = true, SameSite = SameSiteMode.Strict, MaxAge = TimeSpan.FromMinutes(1),
        });

    private static string? TakeNotice(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(NoticeCookie, out var notice) || http.Response.HasStarted)
        {
            return null;
        }

        http.Response.Cookies.Delete(NoticeCookie, new CookieOptions { Path = OperatorConsoleExtensions.PathBase });
        var text = Uri.UnescapeDataString(notice);
        return text.Length > 300 ? text[..300] : text;
    }

    private static string OperatorId(HttpContext http) => http.User.FindFirstValue(ClaimTypes.NameIdentifier)!;

    /// <summary>An operator user in the audit log: <c>operator:email</c>.</summary>
    private static string Actor(HttpContext http) => OperatorRoles.ActorOf(http.User.Identity!.Name!);

    private static string? Field(IFormCollection form, string name) => form.TryGetValue(name, out var value) ? value.ToString() : null;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>The filters of an audit search as a query string (for the export links and the next page).</summary>
    private static string QueryOf(AuditSearchParameters query)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parts.Add($"{name}={Uri.EscapeDataString(value.Trim())}");
            }
        }

        Add("account", query.Account);
        Add("actor", query.Actor);
        Add("action", query.Action);
        Add("object", query.Object);
        Add("from", query.FromTime?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        Add("to", query.ToTime?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        return string.Join('&', parts);
    }
}
