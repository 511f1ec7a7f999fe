using CommerceServices.Connector.Configuration;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;

namespace CommerceServices.Connector.Admin;

/// <summary>
/// What the admin pages say, in a merchant's words: where the shop stands and what to do next, built from the
/// connector's states and codes. The connector's own sentences also serve its command line (with its flags and
/// commands), so the pages do not repeat them.
/// </summary>
public static class AdminText
{
    /// <summary>The badge of the connection status.</summary>
    public static string Badge(ConnectionStatus status) => status.State switch
    {
        ConnectionState.Verified => "Verified",
        ConnectionState.Refused => "Refused",
        ConnectionState.Unreachable => "Unreachable",
        _ when status.KeysAccepted => "Keys work",
        _ => "Not configured",
    };

    /// <summary>Where the shop stands, in one line.</summary>
    public static string Headline(ConnectionStatus status)
    {
        var environment = status.Environment.ToName();
        return status.State switch
        {
            ConnectionState.Verified => status.DataSpaceName is { } name
                ? $"Connected: {environment} payments go to data space {Isolate(name)}"
                : $"Connected: {environment} payments go to data space {status.DataSpaceId}",
            ConnectionState.Unreachable => "Commerce Services cannot be reached",
            ConnectionState.Refused => Refusal(status.Code),
            _ when status.Code == ConnectorCodes.StoreUnavailable => Refusal(status.Code),
            _ when status.KeysAccepted => "Keys work — choose a data space",
            _ => $"Not connected yet — enter the {environment} keys",
        };
    }

    /// <summary>What to do next, in one or two sentences.</summary>
    public static string Next(ConnectionStatus status)
    {
        var environment = status.Environment.ToName();
        return status.State switch
        {
            ConnectionState.Verified => $"This shop takes {environment} payments through Commerce Services (account {status.AccountId}). Nothing else is needed.",
            ConnectionState.NotConfigured when status.Code == ConnectorCodes.StoreUnavailable => RefusalAdvice.For(status.Code),
            ConnectionState.NotConfigured when status.KeysAccepted =>
                $"The {environment} key pair works (account {status.AccountId}). Choose the data space this shop uses under " +
                "SaaS identifier below, then save.",
            ConnectionState.NotConfigured =>
                $"Paste the {environment} API key and its private key from the account portal below (or generate a key pair here), save, " +
                "then choose a data space.",
            ConnectionState.Unreachable => RefusalAdvice.For(ConnectorCodes.PlatformUnreachable),
            _ => RefusalAdvice.For(status.Code),
        };
    }

    /// <summary>A refusal in a few words, by code (the advice says what to do).</summary>
    public static string Refusal(string? code) => code switch
    {
        ProblemCodes.InvalidSignature => "The private key does not match the API key",
        ProblemCodes.RevokedApiKey => "This API key was revoked",
        ProblemCodes.UnknownApiKey => "Commerce Services does not know this API key",
        ProblemCodes.MalformedApiKey => "This is not a Commerce Services API key",
        ProblemCodes.EnvironmentMismatch => "The key belongs to the other environment",
        ProblemCodes.DataSpaceBoundElsewhere => "Another shop uses this data space",
        ProblemCodes.DataSpaceNotFound => "The account has no such data space",
        ProblemCodes.NotEntitled => "The account does not have Payment Services",
        ProblemCodes.TokenExpired or ProblemCodes.TokenNotYetValid or ConnectorCodes.ClockSkew => "This server's clock is wrong",
        ConnectorCodes.DataSpaceNotBound => "The data space is not yet bound to this shop",
        ConnectorCodes.WrongGateway => "The gateway address is the other environment's",
        ConnectorCodes.MalformedPrivateKey => "The private key cannot be read",
        ConnectorCodes.StoreUnavailable => "The connector's settings cannot be read",
        ConnectorCodes.PlatformUnreachable => "Commerce Services cannot be reached",
        ConnectorCodes.DataLossConfirmationRequired => "This move would leave data behind",
        ProblemCodes.RateLimited => "Too many requests for now",
        _ => "Commerce Services refused the keys",
    };

    /// <summary>What a successful save did, beyond what the status above it shows.</summary>
    public static string Saved(ConfigureResult result)
    {
        var sentence = "Saved.";
        if (result.Copied.Count > 0)
        {
            sentence += $" Carried over into the new data space: {Holding.DescribeAll(result.Copied)}.";
        }

        if (result.PreviousDataSpaceKept is { } kept)
        {
            sentence += $" The previous data space {kept} could not be released; release it in the account portal (SaaS identifiers).";
        }

        return sentence;
    }

    /// <summary>Why "Generate a key pair here" did not register the key, and what to do.</summary>
    public static string KeyNotRegistered(string? code, Uri portalUrl) => code switch
    {
        ProblemCodes.MissingOperatorToken or ProblemCodes.InvalidOperatorToken or ProblemCodes.InvalidAccountToken =>
            "The access token was not accepted. Make an account token in the account portal (Account tokens) and paste it here.",
        ProblemCodes.AccountNotFound or ProblemCodes.OperatorOnly =>
            "The account id does not match the access token. Copy the account id (acc_…) from the account portal's overview.",
        ConnectorCodes.PlatformUnreachable => $"The account portal at {portalUrl} could not be reached. Check that the platform runs and try again.",
        _ => $"Commerce Services did not register the new key ({code}). Nothing was changed.",
    };

    /// <summary>
    /// User text inside a first-strong isolate (U+2068 … U+2069) for places markup cannot isolate (an option, a label):
    /// a name holding right-to-left text or direction controls cannot reorder what follows it.
    /// </summary>
    public static string Isolate(string text) => $"\u2068{text}\u2069";
}
