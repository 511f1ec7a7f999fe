using System.CommandLine;
using System.CommandLine.Parsing;

namespace CommerceServices.Cli;

/// <summary>The options every command takes: where the platform is, the operator token, and the output format.</summary>
public sealed class GlobalOptions
{
    public const string PlatformVariable = "COMMERCE_SERVICES_URL";
    public const string TokenVariable = "COMMERCE_SERVICES_TOKEN";
    public const string DefaultPlatform = "http://127.0.0.1:5080";

    public GlobalOptions()
    {
        Platform = new Option<Uri>("--platform")
        {
            Description = $"The platform's portal URL (the management API). Defaults to ${PlatformVariable}, then {DefaultPlatform}.",
            HelpName = "url",
            Recursive = true,
            CustomParser = ParsePlatform,
            DefaultValueFactory = ParsePlatform,
        };
        Token = new Option<string?>("--token")
        {
            Description = $"The operator token, or an account token (cs_tok_…) made in the account portal, which acts for its own account only. Defaults to ${TokenVariable}.",
            HelpName = "token",
            Recursive = true,
        };
        Json = new Option<bool>("--json")
        {
            Description = "Write exactly one JSON document to stdout instead of tables.",
            Recursive = true,
        };
    }

    public Option<Uri> Platform { get; }

    public Option<string?> Token { get; }

    public Option<bool> Json { get; }

    public void AddTo(Command root)
    {
        root.Options.Add(Platform);
        root.Options.Add(Token);
        root.Options.Add(Json);
    }

    /// <summary>Where <see cref="TokenOf"/> found the token: <c>--token</c> or <c>$COMMERCE_SERVICES_TOKEN</c>.</summary>
    public string TokenSourceOf(ParseResult parse) => parse.GetValue(Token) is { Length: > 0 } ? "--token" : "$" + TokenVariable;

    /// <summary>The token from <c>--token</c>, else from the environment; null when neither is set.</summary>
    public string? TokenOf(ParseResult parse) =>
        parse.GetValue(Token) is { Length: > 0 } token ? token
        : Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : null;

    private static Uri ParsePlatform(ArgumentResult result)
    {
        var (text, source) = result.Tokens.Count > 0
            ? (result.Tokens[0].Value, "--platform")
            : Environment.GetEnvironmentVariable(PlatformVariable) is { Length: > 0 } fromEnvironment
                ? (fromEnvironment, "$" + PlatformVariable)
                : (DefaultPlatform, "the default platform URL");

        if (Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        result.AddError($"'{text}' ({source}) is not an http:// or https:// URL.");
        return new Uri(DefaultPlatform);
    }
}
