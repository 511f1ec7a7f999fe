using CommerceServices.Protocol;

namespace CommerceServices.Connector.Admin;

/// <summary>What every admin page shows around its content.</summary>
public sealed record AdminFrame(string Prefix, string ApplicationName, string? HomeUrl, string? SignOutUrl, string AntiforgeryField,
    string AntiforgeryToken, string Current)
{
    /// <summary>Where the host's menu lists the Payment Services page (shown above its title).</summary>
    public string? PaymentServicesMenuPath { get; init; }

    /// <summary>Where the host's menu lists the Commerce Services Connector page (shown above its title).</summary>
    public string? ConnectorMenuPath { get; init; }

    public string Stylesheet => AdminAssets.StylesheetPath(Prefix);
}

/// <summary>One data space the merchant may choose, as the registry listed it.</summary>
public sealed record DataSpaceChoice(string ProjectId, string ProjectName, string Id, string Name, string Type, bool BoundElsewhere, bool BoundHere);

/// <summary>
/// What one service keeps in a data space, for the data-loss guard: the service's name and, in its own words, what it
/// holds ("1 payment, 1 declined attempt"), or that it did not say.
/// </summary>
public sealed record HoldingView(string Service, string Name, string Holds);

/// <summary>What a save answered: a success sentence, or a refusal with its code.</summary>
public sealed record SaveOutcome(bool Success, string? Code, string Message, bool Unreachable);

/// <summary>What the merchant typed, shown again after a refused save (never a private key).</summary>
public sealed record ConnectorForm(string Environment, string? SandboxApiKey, string? ProductionApiKey, string? DataSpaceId);

public sealed record ConnectorPageModel
{
    public required AdminFrame Frame { get; init; }

    public required ConnectionStatus Status { get; init; }

    public required ConnectorForm Form { get; init; }

    public bool SandboxPrivateKeySaved { get; init; }

    public bool ProductionPrivateKeySaved { get; init; }

    public string? SavedSandboxApiKey { get; init; }

    public string? SavedProductionApiKey { get; init; }

    public string? InstanceId { get; init; }

    public IReadOnlyList<DataSpaceChoice> DataSpaces { get; init; } = [];

    /// <summary>Why the choices could not be loaded, when they could not.</summary>
    public string? DataSpacesProblem { get; init; }

    public SaveOutcome? Outcome { get; init; }

    /// <summary>Set when the data-loss guard refused the move: what the current data space holds.</summary>
    public IReadOnlyList<HoldingView>? Guard { get; init; }

    public required string PortalUrl { get; init; }
}

/// <summary>One payment of the data space, as the Payment Services page lists it.</summary>
public sealed record PaymentRow(string Id, string Reference, string Status, string Amount, string Captured, string Card, DateTimeOffset? CreatedAt);

public sealed record PaymentServicesPageModel
{
    public required AdminFrame Frame { get; init; }

    public required ConnectionStatus Status { get; init; }

    public IReadOnlyList<PaymentRow> Payments { get; init; } = [];

    /// <summary>Why the payments could not be listed (for example <c>not_entitled</c>), when they could not.</summary>
    public SaveOutcome? PaymentsProblem { get; init; }
}

/// <summary>Sentences telling a merchant what to do about a refusal (R21), by code.</summary>
public static class RefusalAdvice
{
    public static string For(string? code) => code switch
    {
        ProblemCodes.InvalidSignature => "The private key does not belong to this API key. Paste the private key that was shown when this API key was made, or make a new pair.",
        ProblemCodes.RevokedApiKey => "This API key was revoked or replaced on the platform. Make a new key pair in the account portal (or generate one on the connector page) and save it there.",
        ProblemCodes.UnknownApiKey => "The platform does not know this API key. Check that it was copied whole from the account portal of this platform.",
        ProblemCodes.MalformedApiKey => "This is not an API key of Commerce Services: check that it was copied whole.",
        ProblemCodes.EnvironmentMismatch => "The key belongs to the other environment: sandbox keys start with cs_sbx_, production keys with cs_prd_. Put each key in its own field.",
        ProblemCodes.DataSpaceBoundElsewhere => "This data space is already used by another instance. Each instance needs its own data space: choose another one, or release it in the account portal.",
        ProblemCodes.DataSpaceNotFound => "The account has no such data space. Choose one from the list, or create one in the account portal.",
        ProblemCodes.NotEntitled => "The account is not entitled to Payment Services. Ask the platform's operator to grant it; keys made by an entitled account are needed.",
        ProblemCodes.TokenExpired or ProblemCodes.TokenNotYetValid or ConnectorCodes.ClockSkew => "Set this machine's clock right (for example, turn on NTP time sync).",
        ConnectorCodes.PlatformUnreachable => "The platform did not answer. Check that it is running and that the gateway URL is right; the keys themselves were not checked.",
        ConnectorCodes.MalformedPrivateKey => $"Paste the whole private key, from {Protocol.Keys.RsaPem.Pkcs8PrivateKeyBegin} to its END line, or upload the .pem file.",
        ConnectorCodes.NotConfigured => "Enter the API key and private key of the environment this instance runs in, then choose a data space.",
        ConnectorCodes.DataSpaceNotBound => "Save the SaaS identifier again to bind the data space to this instance.",
        ConnectorCodes.DataLossConfirmationRequired => "Choose whether to carry the data over into the new data space or to leave it behind.",
        ConnectorCodes.StoreUnavailable => "The connector's settings store cannot be read or written: check the folder and its permissions.",
        ConnectorCodes.WrongGateway => "The gateway URL points at the other environment's gateway.",
        _ => "Check the keys and the data space below, then save again.",
    };
}

/// <summary>Registered by <c>AddCommerceServicesAdmin</c>: says it was called (once is enough), and lets the mapping check it.</summary>
internal sealed class AdminMarker;
