using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace CommerceServices.Testing;

/// <summary>
/// The built platform binary as a real process (<c>dotnet CommerceServices.Platform.dll</c>), configured on the command
/// line like an operator would, listening on ports of its own choosing (read back from its "Platform ready" line).
/// What tests of several nodes and of a process killed mid-write need that <see cref="PlatformHost"/> cannot give.
/// </summary>
public sealed partial class PlatformProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri[]> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PlatformProcess(Process process) => _process = process;

    public Uri PortalUrl { get; private set; } = null!;

    public Uri ProductionGatewayUrl { get; private set; } = null!;

    public Uri SandboxGatewayUrl { get; private set; } = null!;

    /// <summary>A client of the management API, with the operator token.</summary>
    public HttpClient Management { get; private set; } = null!;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Waits until the process has printed a line containing <paramref name="text"/>; false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }

    /// <summary>What the process printed so far (for failure messages).</summary>
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
    /// Starts a node. <paramref name="settings"/> are configuration keys (<c>Storage:Provider</c>, ...); the listeners
    /// default to port 0 and the operator token to <see cref="PlatformHost.OperatorToken"/>. <paramref name="environment"/>
    /// adds environment variables of the child alone (a test-only switch such as fault injection).
    /// </summary>
    public static async Task<PlatformProcess> StartAsync(string dataDirectory, IDictionary<string, string?> settings,
        IDictionary<string, string>? environment = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Platform:PortalUrl"] = "http://127.0.0.1:0",
            ["Platform:ProductionGatewayUrl"] = "http://127.0.0.1:0",
            ["Platform:SandboxGatewayUrl"] = "http://127.0.0.1:0",
            ["Platform:OperatorToken"] = PlatformHost.OperatorToken,
            ["Platform:DataDirectory"] = dataDirectory,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:CommerceServices.Platform"] = "Information",
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        };
        start.ArgumentList.Add(PlatformDll());
        foreach (var (key, value) in configuration)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment["DOTNET_gcServer"] = "0"; // many nodes on one small machine
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        Directory.CreateDirectory(dataDirectory);
        var process = new Process { StartInfo = start };
        var node = new PlatformProcess(process);
        process.OutputDataReceived += (_, e) => node.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnOutput(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var exited = process.WaitForExitAsync();
        var ready = node._ready.Task;
        if (await Task.WhenAny(ready, exited, Task.Delay(TimeSpan.FromSeconds(90))) != ready)
        {
            await node.KillAsync();
            throw new InvalidOperationException($"The platform did not start:\n{node.Output}");
        }

        var urls = await ready;
        node.PortalUrl = urls[0];
        node.ProductionGatewayUrl = urls[1];
        node.SandboxGatewayUrl = urls[2];
        node.Management = new HttpClient { BaseAddress = node.PortalUrl };
        node.Management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PlatformHost.OperatorToken);
        return node;
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing pending is flushed.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Resident memory of the process, in bytes.</summary>
    public long ResidentBytes()
    {
        _process.Refresh();
        return _process.WorkingSet64;
    }

    public async ValueTask DisposeAsync()
    {
        Management?.Dispose();
        await KillAsync();
        _process.Dispose();
    }

    /// <summary>The platform built next to the tests: src/CommerceServices.Platform/bin/{configuration}/{tfm}/.</summary>
    public static string PlatformDll()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var root = testOutput;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "CommerceServices.slnx")))
        {
            root = root.Parent;
        }

        var dll = root is null ? null
            : Path.Combine(root.FullName, "src", "CommerceServices.Platform", "bin", configuration, framework, "CommerceServices.Platform.dll");
        return dll is not null && File.Exists(dll)
            ? dll
            : throw new InvalidOperationException($"The platform is not built (looked for {dll}): build the solution first.");
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
            _ready.TrySetResult([new Uri(match.Groups[1].Value), new Uri(match.Groups[2].Value), new Uri(match.Groups[3].Value)]);
        }
    }

    [GeneratedRegex(@"Portal and management API: (\S+)\s+Production gateway: (\S+)\s+Sandbox gateway: (\S+)")]
    private static partial Regex ReadyLine();
}
