namespace CommerceServices.Platform.Payments;

/// <summary>
/// TEST ONLY. Stops a payment call at a boundary between its phases so that a test can kill the process there
/// (SIGKILL) and show what a restart and a retry make of it. It cannot be switched on by accident: it needs both the
/// host environment <see cref="EnvironmentName"/> (<c>DOTNET_ENVIRONMENT</c> or <c>ASPNETCORE_ENVIRONMENT</c>), which no
/// deployment uses, and the variable <see cref="Variable"/> (<c>boundary:kind</c>, such as <c>after-processor:capture</c>);
/// the tests' <c>PlatformProcess</c> sets both for the child it starts. With either missing, every hook is a no-op.
/// At the boundary the call prints <see cref="Marker"/> and stops there for good.
/// </summary>
public sealed class FaultInjection
{
    public const string EnvironmentName = "FaultInjection";
    public const string Variable = "COMMERCE_SERVICES_FAULT_INJECTION";
    public const string Marker = "FAULT-INJECTION: stopped";

    /// <summary>Phase 1 (the intent) committed; the processor not called yet.</summary>
    public const string AfterIntent = "after-intent";

    /// <summary>The processor answered; phase 3 (the outcome) not written yet.</summary>
    public const string AfterProcessor = "after-processor";

    /// <summary>Phase 3 committed (the answer stored); the answer not sent yet.</summary>
    public const string AfterOutcome = "after-outcome";

    private readonly string? _boundary;
    private readonly string? _kind;

    public FaultInjection(IHostEnvironment environment, ILogger<FaultInjection> logger)
    {
        if (environment.EnvironmentName != EnvironmentName || Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } setting)
        {
            return;
        }

        var parts = setting.Split(':', 2);
        _boundary = parts[0];
        _kind = parts.Length > 1 ? parts[1] : null;
        logger.LogWarning("Fault injection is on ({Setting}): payment calls stop at that boundary. A test setting, never for use.", setting);
    }

    /// <summary>At <paramref name="boundary"/> of an operation of <paramref name="kind"/>: stops there when the test asked for it.</summary>
    public void At(string boundary, string kind)
    {
        if (_boundary is null || _boundary != boundary || (_kind is not null && _kind != kind))
        {
            return;
        }

        Console.Out.WriteLine($"{Marker} at {boundary} of a {kind}");
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);
    }
}
