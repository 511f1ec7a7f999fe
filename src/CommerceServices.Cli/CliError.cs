namespace CommerceServices.Cli;

/// <summary>
/// Why a command did not do what was asked: a stable code (the platform's own, or one of the CLI's), a sentence for
/// people, and the exit code it maps to. Expected failures are values, not exceptions.
/// </summary>
public sealed record CliError(string Code, string Detail, int ExitCode)
{
    /// <summary>The code of every command-line mistake: nothing was sent to the platform.</summary>
    public const string UsageErrorCode = "usage_error";

    /// <summary>The code of a local file that cannot be read or must not be overwritten.</summary>
    public const string InvalidFileCode = "invalid_file";

    public const string PlatformUnreachableCode = "platform_unreachable";

    /// <summary>The platform answered with something that is not the API's JSON (a proxy page, a truncated body).</summary>
    public const string UnexpectedResponseCode = "unexpected_response";

    public static CliError Usage(string detail) => new(UsageErrorCode, detail, ExitCodes.Usage);

    public static CliError InvalidFile(string detail) => new(InvalidFileCode, detail, ExitCodes.Usage);

    public static CliError Unreachable(Uri platform, string reason) =>
        new(PlatformUnreachableCode, $"could not reach {platform} ({reason}).", ExitCodes.Unreachable);

    public static CliError Refused(string code, string detail) => new(code, detail, ExitCodes.Refused);
}
