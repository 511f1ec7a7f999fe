using System.Diagnostics;
using CommerceServices.Testing;
using Xunit.Abstractions;

namespace CommerceServices.Platform.Tests.Scaling;

/// <summary>
/// The soak script of bench/, for 60 seconds: three nodes behind HAProxy (deploy/local-cluster.sh). Each worker pauses
/// a moment after each request: the test is about answers staying right over time, and the tests beside it need the cores.
/// </summary>
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SixtySecondsOfMixedTrafficThroughTheBalancer_AnswerWithoutASingleError()
    {
        var dll = PlatformProcess.PlatformDll();
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "..", "..", "..", "..", ".."));
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("bench/soak.sh");
        start.ArgumentList.Add("60");
        start.Environment["PLATFORM_DLL"] = dll;
        start.Environment["SOAK_PAUSE"] = "0.5";
        start.Environment["CLUSTER_DIR"] = Path.Combine(Directory.CreateTempSubdirectory("cs-soak-").FullName, "cluster");

        using var soak = Process.Start(start)!;
        var stdout = soak.StandardOutput.ReadToEndAsync();
        var stderr = soak.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        try
        {
            await soak.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            soak.Kill(entireProcessTree: true);
            throw;
        }

        var report = (await stdout).Trim();
        output.WriteLine(report);
        output.WriteLine(await stderr);
        Assert.True(soak.ExitCode == 0, $"soak failed ({soak.ExitCode}):\n{report}\n{await stderr}");
        Assert.Contains("errors: 0", report);
        Measurements.Write("soak", report.Replace(Environment.NewLine, "; "));
    }
}
