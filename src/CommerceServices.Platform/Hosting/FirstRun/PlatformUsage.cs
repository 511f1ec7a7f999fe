using Microsoft.Extensions.Configuration;

namespace CommerceServices.Platform.Hosting.FirstRun;

/// <summary>
/// <c>--help</c>: how to start the platform and every configuration key with the value it would use here, so a
/// newcomer sees where the data folder and the operator token are before anything is created. Nothing is started.
/// </summary>
public static class PlatformUsage
{
    private static readonly string[] HelpFlags = ["--help", "-h", "-?", "/?"];

    /// <summary>The keys a deployment sets, with their default and meaning (the README's Configuration table).</summary>
    public static readonly IReadOnlyList<(string Key, string Default, string Meaning)> Keys =
    [
        ("Platform:PortalUrl", "http://127.0.0.1:5080", "portal and management API listener"),
        ("Platform:ProductionGatewayUrl", "http://127.0.0.1:5081", "production gateway listener"),
        ("Platform:SandboxGatewayUrl", "http://127.0.0.1:5082", "sandbox gateway listener"),
        ("Platform:DataDirectory", "data", "SQLite database, generated operator token, Data Protection keys; relative to the working directory"),
        ("Platform:OperatorToken", "(generated into {DataDirectory}/operator-token)", "bearer token of the management API"),
        ("Platform:OperatorUrl", "(none: the portal's listener)", "a listener of its own for the operator console and /metrics"),
        ("Storage:Provider", "Sqlite", "Sqlite or PostgreSql"),
        ("Storage:ConnectionString", "Data Source={DataDirectory}/platform.db", "required for PostgreSql"),
        ("Gateway:KeyCacheSeconds", "60", "how long a node trusts its cached copy of a key; revocations are pushed, this bounds a lost one"),
        ("Gateway:KeyCacheSize", "100000", "API keys cached per node; the least recently used go past it"),
        ("Gateway:LastUseFlushSeconds", "5", "how often the last use of keys is written"),
        ("Gateway:RateLimitPerSecond", "1000", "sustained requests per second per API key"),
        ("Gateway:RateLimitBurst", "2000", "burst allowance per API key"),
        ("Gateway:VerifiedTokenCacheSize", "50000", "verified tokens a node remembers until they expire (0: verify every request)"),
        ("Keys:GenerationsPerMinute", "10", "platform-made key pairs per account per minute (uploads are not counted)"),
        ("Keys:GenerationBurst", "5", "platform-made key pairs an account may ask for at once"),
        ("Keys:GenerationThreads", "0", "dedicated key generation threads; 0 = half the processors, at least 1"),
        ("Keys:GenerationQueueLength", "16", "key generations that may wait for a thread before 503 key_generation_busy"),
        ("Registry:BaseQuota:Production", "1", "production data spaces any account may have"),
        ("Registry:BaseQuota:Testing", "0", "testing data spaces any account may have"),
        ("Registry:EntitlementQuotas:payments:Production", "1", "production data spaces with Payment Services"),
        ("Registry:EntitlementQuotas:payments:Testing", "2", "testing data spaces with Payment Services"),
    ];

    public static bool IsHelp(string[] args) => args.Any(a => HelpFlags.Contains(a, StringComparer.OrdinalIgnoreCase));

    /// <summary>Writes the usage, reading configuration the way the platform would (without starting it).</summary>
    public static void Write(TextWriter output, string[] args)
    {
        var settingsFile = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(settingsFile, optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Where(a => !HelpFlags.Contains(a, StringComparer.OrdinalIgnoreCase)).ToArray())
            .Build();

        output.WriteLine("Commerce Services platform: account portal and management API, merchant registry, sandbox and production");
        output.WriteLine("gateways, Payment Services.");
        output.WriteLine();
        output.WriteLine("Usage:");
        output.WriteLine("  dotnet run --project src/CommerceServices.Platform [-- --Key=Value …]");
        output.WriteLine("  dotnet CommerceServices.Platform.dll [--Key=Value …]");
        output.WriteLine("  CommerceServices.Platform --help        this text; starts nothing");
        output.WriteLine();
        output.WriteLine("Each key is read from, last one winning: appsettings.json next to the binary, the environment");
        output.WriteLine("(Platform__PortalUrl=…, ':' written '__'), the command line (--Platform:PortalUrl=…).");
        output.WriteLine($"Settings file: {settingsFile}{(File.Exists(settingsFile) ? "" : " (not found: defaults apply)")}");
        output.WriteLine();
        output.WriteLine("Configuration (value here, then default):");
        var width = Keys.Max(k => k.Key.Length);
        foreach (var (key, fallback, meaning) in Keys)
        {
            var value = key == "Platform:OperatorToken" && !string.IsNullOrEmpty(configuration[key]) ? "(set; not shown)" : configuration[key];
            output.WriteLine($"  {key.PadRight(width)}  {value ?? fallback}{(value is null || value == fallback ? "" : $"  (default {fallback})")}");
            output.WriteLine($"  {"".PadRight(width)}  {meaning}");
        }

        var dataFolder = DataFolder.Resolve(configuration[$"{PlatformOptions.Section}:{nameof(PlatformOptions.DataDirectory)}"]);
        output.WriteLine();
        output.WriteLine($"Data folder here: {dataFolder}");
        output.WriteLine($"Operator token: {(string.IsNullOrEmpty(configuration["Platform:OperatorToken"])
            ? $"generated at first start into {Path.Combine(dataFolder, Operator.OperatorCredentials.FileName)}"
            : "Platform:OperatorToken")}; the CLI takes it with --token or COMMERCE_SERVICES_TOKEN.");
        output.WriteLine("Each listener answers GET /healthz with 200 once the platform is ready. Docs: README.md, docs/configuration.md.");
        output.WriteLine("Telemetry: the standard OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME, …);");
        output.WriteLine("GET /metrics (Prometheus) and GET /docs (API reference) on the portal listener. Docs: docs/observability.md.");
        output.WriteLine();
        output.WriteLine("Exit codes:");
        output.WriteLine($"  {PlatformExitCodes.Stopped}  stopped (or this text printed)");
        output.WriteLine($"  {PlatformExitCodes.InvalidSettings}  a setting is invalid: each is named on stderr with what it must be; nothing was started");
        output.WriteLine($"  {PlatformExitCodes.DataFolderInUse}  another platform process uses this SQLite data folder (several nodes need PostgreSQL)");
    }
}
