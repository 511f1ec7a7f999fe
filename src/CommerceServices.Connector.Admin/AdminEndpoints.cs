using CommerceServices.Protocol;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using CommerceServices.Connector.Admin.Components;

namespace CommerceServices.Connector.Admin;

/// <summary>
/// The admin pages' endpoints. Pages are Razor components rendered on the server; forms post plain HTML, so the pages
/// work without JavaScript. Every post is checked for its antiforgery token before anything is read from it.
/// </summary>
internal static class AdminEndpoints
{
    /// <summary>Largest .pem file accepted; an RSA 4096 private key in PEM is about 3.3 KB.</summary>
    private const int MaxPemBytes = 16 * 1024;

    public static void Map(RouteGroupBuilder group, string prefix)
    {
        group.MapGet("/", () => TypedResults.Redirect($"{prefix}/payments"));
        group.MapGet("/payments", (HttpContext http, CancellationToken ct) => PaymentServicesAsync(http, prefix, ct));
        group.MapGet("/connector", (HttpContext http, CancellationToken ct) => ConnectorAsync(http, prefix, null, null, null, ct));
        group.MapPost("/connector", (HttpContext http, CancellationToken ct) => SaveAsync(http, prefix, ct)).DisableAntiforgery();
        group.MapPost("/connector/generate-key", (HttpContext http, CancellationToken ct) => GenerateKeyAsync(http, prefix, ct)).DisableAntiforgery();
    }

    /// <summary>What every page answers while the host named no authorization policy.</summary>
    public static IResult NoPolicy(HttpContext http, string prefix) => Message(http, prefix, StatusCodes.Status403Forbidden, "Access refused",
        "These pages are closed: the application did not name an authorization policy for them (CommerceServicesAdminOptions.AuthorizationPolicy).");

    private static IResult Message(HttpContext http, string prefix, int status, string title, string text)
    {
        http.Response.StatusCode = status;
        return new RazorComponentResult<MessagePage>(new { Title = title, Text = text, Stylesheet = AdminAssets.StylesheetPath(prefix) })
        {
            StatusCode = status,
        };
    }

    private static async Task<IResult> PaymentServicesAsync(HttpContext http, string prefix, CancellationToken ct)
    {
        var connector = http.RequestServices.GetRequiredService<CommerceServicesConnector>();
        var options = http.RequestServices.GetRequiredService<IOptions<CommerceServicesAdminOptions>>().Value;
        var status = await connector.GetStatusAsync(ct);
        var model = new PaymentServicesPageModel { Frame = Frame(http, prefix, "payments"), Status = status };
        if (status.IsVerified)
        {
            var payments = http.RequestServices.GetRequiredService<AdminPayments>();
            var listed = await payments.RecentAsync(options.RecentPayments, ct);
            model = listed.Problem is { } problem
                ? model with { PaymentsProblem = problem }
                : model with { Payments = listed.Rows };
        }

        return new RazorComponentResult<PaymentServicesPage>(new { Model = model });
    }

    private static async Task<IResult> ConnectorAsync(HttpContext http, string prefix, ConnectorForm? typed, SaveOutcome? outcome,
        IReadOnlyList<HoldingView>? guard, CancellationToken ct)
    {
        var connector = http.RequestServices.GetRequiredService<CommerceServicesConnector>();
        var options = http.RequestServices.GetRequiredService<IOptions<CommerceServicesAdminOptions>>().Value;
        var status = await connector.GetStatusAsync(ct);
        string? sandboxKey = null, productionKey = null, instanceId = null, dataSpaceId = null;
        bool sandboxSaved = false, productionSaved = false;
        try
        {
            var settings = connector.Settings;
            sandboxKey = settings.Sandbox?.ApiKey;
            productionKey = settings.Production?.ApiKey;
            sandboxSaved = !string.IsNullOrEmpty(settings.Sandbox?.PrivateKeyPem);
            productionSaved = !string.IsNullOrEmpty(settings.Production?.PrivateKeyPem);
            instanceId = settings.InstanceId;
            dataSpaceId = settings.DataSpaceId;
        }
        catch (ConnectorStoreException)
        {
            // The status already says the store cannot be read; the form stays empty.
        }

        var choices = new List<DataSpaceChoice>();
        string? choicesProblem = null;
        if (status.State is not ConnectionState.Unreachable && (status.Environment == GatewayEnvironment.Production ? productionSaved : sandboxSaved))
        {
            var projects = await connector.ListProjectsAsync(ct);
            if (projects.Failure is { } failure)
            {
                choicesProblem = $"The data spaces could not be loaded ({failure.Code}): {failure.Message}";
            }
            else
            {
                foreach (var project in projects.Value!)
                {
                    foreach (var space in project.DataSpaces)
                    {
                        choices.Add(new DataSpaceChoice(project.Id, project.Name, space.Id, space.Name, space.Type,
                            space.InstanceId is not null && space.InstanceId != instanceId, space.InstanceId is not null && space.InstanceId == instanceId));
                    }
                }
            }
        }
        else
        {
            choicesProblem = status.State is ConnectionState.Unreachable
                ? "The data spaces could not be loaded: the platform is unreachable."
                : "The data spaces are listed once the key pair of the environment this instance runs in is saved.";
        }

        var model = new ConnectorPageModel
        {
            Frame = Frame(http, prefix, "connector"),
            Status = status,
            Form = typed ?? new ConnectorForm(status.Environment.ToName(), sandboxKey, productionKey, dataSpaceId),
            SavedSandboxApiKey = sandboxKey,
            SavedProductionApiKey = productionKey,
            SandboxPrivateKeySaved = sandboxSaved,
            ProductionPrivateKeySaved = productionSaved,
            InstanceId = instanceId,
            DataSpaces = choices,
            DataSpacesProblem = choicesProblem,
            Outcome = outcome,
            Guard = guard,
            PortalUrl = options.PortalUrl.AbsoluteUri,
        };
        var statusCode = outcome is { Success: false } ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK;
        if (outcome is { Success: false } && guard is not null)
        {
            statusCode = StatusCodes.Status409Conflict;
        }

        return new RazorComponentResult<ConnectorPage>(new { Model = model }) { StatusCode = statusCode };
    }

    private static async Task<IResult> SaveAsync(HttpContext http, string prefix, CancellationToken ct)
    {
        if (await RefuseForgeryAsync(http, prefix) is { } refused)
        {
            return refused;
        }

        var form = await http.Request.ReadFormAsync(ct);
        var environmentName = Field(form, "environment") ?? GatewayEnvironments.SandboxName;
        if (!GatewayEnvironments.TryParse(environmentName, out var environment))
        {
            return Message(http, prefix, StatusCodes.Status400BadRequest, "Not saved", "The environment must be sandbox or production.");
        }

        var typed = new ConnectorForm(environment.ToName(), Field(form, "sandboxApiKey"), Field(form, "productionApiKey"), Field(form, "dataSpaceId"));
        var move = Field(form, "move") switch
        {
            "carry-over" => DataSpaceMove.CarryOver,
            "discard" => DataSpaceMove.Discard,
            _ => DataSpaceMove.None,
        };

        var sandboxPem = await PrivateKeyAsync(form, "sandbox", ct);
        var productionPem = await PrivateKeyAsync(form, "production", ct);
        if ((sandboxPem.Problem ?? productionPem.Problem) is { } pemProblem)
        {
            return await ConnectorAsync(http, prefix, typed, new SaveOutcome(false, ConnectorCodes.MalformedPrivateKey, pemProblem, false), null, ct);
        }

        var connector = http.RequestServices.GetRequiredService<CommerceServicesConnector>();
        var settings = connector.Settings;
        var other = environment == GatewayEnvironment.Production ? GatewayEnvironment.Sandbox : GatewayEnvironment.Production;
        var otherApiKey = other == GatewayEnvironment.Production ? typed.ProductionApiKey : typed.SandboxApiKey;
        var otherPem = other == GatewayEnvironment.Production ? productionPem.Pem : sandboxPem.Pem;
        var messages = new List<string>();

        // The other environment's keys, when changed, are checked by its gateway and stored; the environment this
        // instance runs in stays the active one throughout.
        if (Changed(otherApiKey, settings.KeysFor(other)?.ApiKey) || otherPem is not null)
        {
            var first = await connector.SaveKeysAsync(other, Changed(otherApiKey, settings.KeysFor(other)?.ApiKey) ? otherApiKey : null, otherPem, ct);
            if (!first.Success)
            {
                return await ConnectorAsync(http, prefix, typed,
                    new SaveOutcome(false, first.Code, $"{Title(other)} keys: {first.Message}", first.Unreachable), null, ct);
            }

            messages.Add($"{Title(other)} keys saved.");
        }

        var apiKey = environment == GatewayEnvironment.Production ? typed.ProductionApiKey : typed.SandboxApiKey;
        var pem = environment == GatewayEnvironment.Production ? productionPem.Pem : sandboxPem.Pem;
        var change = new ConnectorChange
        {
            Environment = environment,
            ApiKey = Changed(apiKey, settings.KeysFor(environment)?.ApiKey) ? apiKey : null,
            PrivateKeyPem = pem,
            DataSpaceId = typed.DataSpaceId,
        };
        var result = await connector.ConfigureAsync(change, move, ct);
        if (!result.Success)
        {
            var guard = result.Code == ConnectorCodes.DataLossConfirmationRequired
                ? result.WouldLose.Select(h => new HoldingView(h.Service, h.Name ?? h.Service, h.Describe())).ToList()
                : null;
            return await ConnectorAsync(http, prefix, typed, new SaveOutcome(false, result.Code, result.Message, result.Unreachable), guard, ct);
        }

        messages.Add(AdminText.Saved(result));
        return await ConnectorAsync(http, prefix, null, new SaveOutcome(true, null, string.Join(" ", messages), false), null, ct);
    }

    private static async Task<IResult> GenerateKeyAsync(HttpContext http, string prefix, CancellationToken ct)
    {
        if (await RefuseForgeryAsync(http, prefix) is { } refused)
        {
            return refused;
        }

        var form = await http.Request.ReadFormAsync(ct);
        var options = http.RequestServices.GetRequiredService<IOptions<CommerceServicesAdminOptions>>().Value;
        var connector = http.RequestServices.GetRequiredService<CommerceServicesConnector>();
        var account = Field(form, "accountId");
        var token = Field(form, "accessToken");
        if (!GatewayEnvironments.TryParse(Field(form, "keyEnvironment") ?? "", out var environment) || account is null || token is null)
        {
            return await ConnectorAsync(http, prefix, null, new SaveOutcome(false, ProblemCodes.InvalidRequest,
                "To generate a key pair here, choose the environment and enter the account id and an access token of the account portal.", false), null, ct);
        }

        var result = await connector.GenerateKeyPairAsync(environment, options.PortalUrl, token, account, ct);
        var message = result.Success
            ? $"A new {environment.ToName()} key pair was made here; only its public key was sent to Commerce Services, and the private key is kept, encrypted, in this shop's settings."
            : AdminText.KeyNotRegistered(result.Code, options.PortalUrl);
        return await ConnectorAsync(http, prefix, null, new SaveOutcome(result.Success, result.Code, message, result.Unreachable), null, ct);
    }

    private static async Task<IResult?> RefuseForgeryAsync(HttpContext http, string prefix)
    {
        var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
        return await antiforgery.IsRequestValidAsync(http)
            ? null
            : Message(http, prefix, StatusCodes.Status400BadRequest, "Form expired",
                "This form could not be checked (its antiforgery token is missing or stale), so nothing was saved. Open the page again and resend it.");
    }

    /// <summary>The private key of one environment: pasted, or uploaded as a .pem file (the upload wins).</summary>
    private static async Task<(string? Pem, string? Problem)> PrivateKeyAsync(IFormCollection form, string environment, CancellationToken ct)
    {
        var file = form.Files.GetFile($"{environment}PrivateKeyFile");
        if (file is { Length: > 0 })
        {
            if (file.Length > MaxPemBytes)
            {
                return (null, $"The {environment} .pem file is larger than {MaxPemBytes / 1024} KB: it is not a private key.");
            }

            using var reader = new StreamReader(file.OpenReadStream());
            return (await reader.ReadToEndAsync(ct), null);
        }

        return (Field(form, $"{environment}PrivateKey"), null);
    }

    private static bool Changed(string? typed, string? saved) => typed is not null && typed != saved;

    private static string Title(GatewayEnvironment environment) => environment == GatewayEnvironment.Production ? "Production" : "Sandbox";

    private static string? Field(IFormCollection form, string name) =>
        form.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value.ToString()) ? value.ToString().Trim() : null;

    private static AdminFrame Frame(HttpContext http, string prefix, string current)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<CommerceServicesAdminOptions>>().Value;
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return new AdminFrame(prefix, options.ApplicationName, options.HomeUrl, options.SignOutUrl, tokens.FormFieldName, tokens.RequestToken!, current)
        {
            PaymentServicesMenuPath = options.PaymentServicesMenuPath,
            ConnectorMenuPath = options.ConnectorMenuPath,
        };
    }

    internal static string Money(long minor, string currency) => Protocol.Payments.Money.Format(minor, currency);
}
