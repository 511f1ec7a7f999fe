using System.Diagnostics;
using System.Text.Json.Nodes;

namespace CommerceServices.Cli.Tests;

/// <summary>One run of the real <c>commerce-services</c> binary.</summary>
public sealed record CliRun(IReadOnlyList<string> Arguments, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>stdout parsed as the one JSON document a <c>--json</c> run writes.</summary>
    public JsonNode Json => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("stdout holds JSON null.");

    /// <summary>The <c>code</c> of the one-line <c>error: code: detail</c> on stderr, or null.</summary>
    public string? ErrorCode =>
        Stderr.StartsWith("error: ", StringComparison.Ordinal) ? Stderr["error: ".Length..].Split(':')[0] : null;

    public override string ToString() =>
        $"commerce-services {string.Join(' ', Arguments)}\nexit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";

    /// <summary>Asserts the exit code, showing the whole run when it differs.</summary>
    public CliRun Expect(int exitCode)
    {
        Assert.True(ExitCode == exitCode, $"Expected exit code {exitCode}.\n{this}");
        return this;
    }

    /// <summary>Asserts a refusal: the exit code, one stderr line with the code, and with --json the same code on stdout.</summary>
    public CliRun ExpectError(int exitCode, string code)
    {
        Expect(exitCode);
        Assert.True(ErrorCode == code, $"Expected error code {code}.\n{this}");
        Assert.Single(Stderr.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", Stderr, StringComparison.Ordinal);
        if (Arguments.Contains("--json"))
        {
            Assert.Equal(code, Json["code"]?.GetValue<string>());
        }

        return this;
    }
}

public static class CliRunner
{
    public const string Dll = "commerce-services.dll";

    public static async Task<CliRun> RunAsync(IReadOnlyList<string> arguments, IDictionary<string, string?>? environment = null)
    {
        using var process = Process.Start(ChildProcess.StartInfo(Dll, arguments, environment))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"commerce-services {string.Join(' ', arguments)} did not finish within 60 s.");
        }

        return new CliRun(arguments, process.ExitCode, await stdout, await stderr);
    }
}
