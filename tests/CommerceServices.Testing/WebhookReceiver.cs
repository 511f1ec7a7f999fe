using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;

namespace CommerceServices.Testing;

/// <summary>
/// The test webhook receiver (tests/CommerceServices.Webhooks.Receiver) as a real process on a loopback port: it verifies
/// every delivery with the StandardWebhooks package and records it; the test says how it answers. It can be killed
/// (SIGKILL) and started again on the same port, as a receiver that goes down and comes back.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpClient _control = new() { Timeout = TimeSpan.FromSeconds(30) };
    private string[] _secrets;
    private Process? _process;
    private readonly StringBuilder _output = new();

    private WebhookReceiver(int port, string[] secrets)
    {
        Port = port;
        _secrets = secrets;
        Url = new Uri($"http://127.0.0.1:{port}/hooks");
        _control.BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    /// <summary>The URL to register as the endpoint.</summary>
    public Uri Url { get; }

    public static async Task<WebhookReceiver> StartAsync(params string[] secrets)
    {
        var receiver = new WebhookReceiver(FreePort(), secrets);
        await receiver.RestartAsync();
        return receiver;
    }

    /// <summary>Starts the process (again), on the same port, with the secrets it was made with.</summary>
    public async Task RestartAsync()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Dll());
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var secret in _secrets)
        {
            start.ArgumentList.Add("--secret");
            start.ArgumentList.Add(secret);
        }

        start.Environment["DOTNET_gcServer"] = "0";
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            lock (_output)
            {
                _output.AppendLine(e.Data);
            }

            if (e.Data?.StartsWith("Receiver listening", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_output)
            {
                _output.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        if (await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60))) != ready.Task)
        {
            throw new InvalidOperationException($"The webhook receiver did not start:\n{_output}");
        }
    }

    /// <summary>SIGKILL: the receiver is gone at once; connections to its port are refused until <see cref="RestartAsync"/>.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>The secrets it verifies with, now and after a restart.</summary>
    public async Task SetSecretsAsync(params string[] secrets)
    {
        _secrets = secrets;
        (await _control.PutAsJsonAsync("_control/secrets", secrets)).EnsureSuccessStatusCode();
    }

    public async Task SetBehaviourAsync(ReceiverBehaviour behaviour) =>
        (await _control.PutAsJsonAsync("_control/behaviour", behaviour)).EnsureSuccessStatusCode();

    public async Task<IReadOnlyList<ReceivedDelivery>> ReceivedAsync() =>
        await _control.GetFromJsonAsync<List<ReceivedDelivery>>("_control/received") ?? [];

    /// <summary>Waits until <paramref name="done"/> holds for what was received, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ReceivedDelivery>> WaitForAsync(Func<IReadOnlyList<ReceivedDelivery>, bool> done, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        IReadOnlyList<ReceivedDelivery> received = [];
        while (watch.Elapsed < timeout)
        {
            received = await ReceivedAsync();
            if (done(received))
            {
                return received;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}; received {received.Count}: " +
                                   string.Join(", ", received.TakeLast(10).Select(r => $"{r.Type} {r.Id} {r.Status}")));
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        _control.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Dll()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var root = testOutput;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "CommerceServices.slnx")))
        {
            root = root.Parent;
        }

        var dll = root is null ? null : Path.Combine(root.FullName, "tests", "CommerceServices.Webhooks.Receiver", "bin", testOutput.Parent!.Name,
            testOutput.Name, "CommerceServices.Webhooks.Receiver.dll");
        return dll is not null && File.Exists(dll) ? dll : throw new InvalidOperationException($"The receiver is not built (looked for {dll}).");
    }
}

/// <summary>How the receiver answers: <see cref="FailStatus"/> for the first <see cref="FailFirst"/> attempts of each webhook-id, then <see cref="Status"/>.</summary>
public sealed record ReceiverBehaviour(int Status = 204, int FailFirst = 0, int FailStatus = 500, int DelayMs = 0, int? RetryAfterSeconds = null,
    Dictionary<string, int>? StatusByType = null);

/// <summary>One request the receiver got. <see cref="VerifiedWith"/> is the index of the secret that verified it, null when none did.</summary>
public sealed record ReceivedDelivery(string Id, string Timestamp, string Signature, int? VerifiedWith, string? VerifyError, string? Type,
    string? Subject, int Status, DateTimeOffset ArrivedAt, DateTimeOffset AnsweredAt, bool Overlapped, string Path, string Body);
