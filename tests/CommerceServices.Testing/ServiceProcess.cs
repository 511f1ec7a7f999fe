using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace CommerceServices.Testing;

/// <summary>
/// The sample service behind the gateway (samples/RecommendationsService) as a real process: its own SQLite file, the
/// stock JwtBearer handler checking the platform's tokens. Started on a port of its choosing, or on a given one so it can
/// come back where it was after being killed.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process) => _process = process;

    public Uri Url { get; private set; } = null!;

    /// <summary>What the gateway's lifecycle calls use: <c>{Url}lifecycle</c>.</summary>
    public Uri LifecycleUrl => new(Url, "lifecycle");

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the service with its data in <paramref name="dataDirectory"/>, trusting the platform at
    /// <paramref name="authority"/>, reading its keys again every <paramref name="keyRefresh"/>.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(string dataDirectory, Uri authority, int port = 0, TimeSpan? keyRefresh = null,
        IDictionary<string, string?>? settings = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dataDirectory };
        start.ArgumentList.Add(Dll());
        var configuration = new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["Recommendations:DataDirectory"] = dataDirectory,
            ["CommerceServices:Gateway:Authority"] = authority.AbsoluteUri,
            ["CommerceServices:Gateway:ServiceId"] = "recommendations",
            ["CommerceServices:Gateway:KeyRefreshInterval"] = (keyRefresh ?? TimeSpan.FromHours(1)).ToString("c"),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:RecommendationsService"] = "Information",
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        foreach (var (key, value) in configuration)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment["DOTNET_gcServer"] = "0";
        Directory.CreateDirectory(dataDirectory);
        var process = new Process { StartInfo = start };
        var service = new ServiceProcess(process);
        process.OutputDataReceived += (_, e) => service.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => service.OnOutput(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var ready = service._ready.Task;
        if (await Task.WhenAny(ready, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(90))) != ready)
        {
            await service.KillAsync();
            throw new InvalidOperationException($"The recommendations service did not start:\n{service.Output}");
        }

        service.Url = await ready;
        return service;
    }

    /// <summary>A free loopback port, for a service that must come back on the same address.</summary>
    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    /// <summary>SIGKILL.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    public static string Dll()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Path.Combine(RepositoryPaths.Root, "samples", "RecommendationsService", "bin", testOutput.Parent!.Name, testOutput.Name, "RecommendationsService.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"The recommendations service is not built (looked for {dll}): build the solution first.");
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ReadyLine().Match(line) is { Success: true } match)
        {
            _ready.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Recommendations ready on (\S+);")]
    private static partial Regex ReadyLine();
}
