namespace CommerceServices.Platform.Hosting;

/// <summary>The <c>Platform</c> configuration section.</summary>
public sealed class PlatformOptions
{
    public const string Section = "Platform";

    public const string DefaultDataDirectory = "data";

    /// <summary>
    /// The settings as configured, not yet checked. For the few decisions taken while the app is composed (which listener
    /// a route answers on): resolving <c>IOptions</c> there would check them early and report one bad setting alone,
    /// instead of every bad setting together at start-up.
    /// </summary>
    public static PlatformOptions Unchecked(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<PlatformOptions>() ?? new PlatformOptions();

    /// <summary>Listener of the account portal and the management API.</summary>
    public string PortalUrl { get; set; } = "http://127.0.0.1:5080";

    public string ProductionGatewayUrl { get; set; } = "http://127.0.0.1:5081";

    public string SandboxGatewayUrl { get; set; } = "http://127.0.0.1:5082";

    /// <summary>
    /// A listener of its own for the operator console (<c>/operator</c>), e.g. on an address only reachable from the
    /// operators' network. When empty, the console is on the portal listener.
    /// </summary>
    public string? OperatorUrl { get; set; }

    /// <summary>Bearer token of the management API. When empty, one is generated at first start into the data folder.</summary>
    public string? OperatorToken { get; set; }

    /// <summary>
    /// Folder for the SQLite database, the generated operator token and the Data Protection keys: absolute, or relative
    /// to the working directory (see <see cref="FirstRun.DataFolder"/>).
    /// </summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory;
}
