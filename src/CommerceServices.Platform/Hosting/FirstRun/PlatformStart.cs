using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Hosting.FirstRun;

/// <summary>The platform's exit codes: what a script or a service manager can tell from the way it stopped.</summary>
public static class PlatformExitCodes
{
    /// <summary>Stopped normally, or <c>--help</c> printed.</summary>
    public const int Stopped = 0;

    /// <summary>A setting is invalid; the sentences printed name each one and what it must be. Nothing was started.</summary>
    public const int InvalidSettings = 2;

    /// <summary>Another platform process uses this SQLite data folder. Nothing was started.</summary>
    public const int DataFolderInUse = 3;
}

/// <summary>A start refused on purpose, with the sentence to print and the exit code; never shown with a stack trace.</summary>
public sealed class PlatformStartException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// Runs the platform until it stops. A start refused for a reason of the operator's — bad settings, a data folder in
/// use — is printed as its sentences alone, on stderr, with an exit code of <see cref="PlatformExitCodes"/> (as
/// <c>--help</c> prints its text and exits): not as an unhandled exception, a stack trace and SIGABRT.
/// </summary>
public static class PlatformStart
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var app = PlatformApplication.Build(args);
            await app.InitializePlatformAsync();
            await app.RunAsync();
            return PlatformExitCodes.Stopped;
        }
        catch (Exception e) when (Refusal(e) is var (exitCode, sentences))
        {
            foreach (var sentence in sentences)
            {
                await Console.Error.WriteLineAsync(sentence);
            }

            return exitCode;
        }
    }

    private static (int ExitCode, IReadOnlyList<string> Sentences)? Refusal(Exception exception)
    {
        var all = exception is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [exception];
        if (all.All(e => e is OptionsValidationException))
        {
            var failures = all.Cast<OptionsValidationException>().SelectMany(e => e.Failures).Distinct().ToList();
            return (PlatformExitCodes.InvalidSettings,
                [.. failures, "The platform did not start. Fix the settings above (dotnet run --project src/CommerceServices.Platform -- --help lists them)."]);
        }

        return exception is PlatformStartException refused ? (refused.ExitCode, [refused.Message]) : null;
    }
}
