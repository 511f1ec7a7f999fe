using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Hosting.Operator;

/// <summary>
/// The operator token: <c>Platform:OperatorToken</c>, or one generated at first start into
/// <c>{DataDirectory}/operator-token</c> (owner-only permissions). Its location is logged, never its value.
/// </summary>
public sealed partial class OperatorCredentials(IOptions<PlatformOptions> options, ILogger<OperatorCredentials> logger)
{
    public const string FileName = "operator-token";
    private byte[]? _tokenHash;

    /// <summary>Where the generated token is (or would be): named in every message about the operator token.</summary>
    public string TokenFilePath => Path.Combine(FirstRun.DataFolder.Resolve(options.Value), FileName);

    /// <summary>Whether the token comes from configuration rather than the generated file.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.OperatorToken);

    /// <summary>
    /// How <paramref name="caller"/> passes the token, for the management API's refusals. Only a caller on this machine is told the token file's path: to
    /// anyone else it would describe the server's file system, and the file is of no use to them from where they are.
    /// </summary>
    public string HowToPassTo(IPAddress? caller) =>
        (IsConfigured ? "Use the token set in Platform:OperatorToken"
            : IsLoopback(caller) ? $"The token is in {TokenFilePath}"
            : $"The token is in the file '{FileName}' of the platform's data folder, on the platform's machine; ask its operator")
        + ": pass it to the CLI with '--token <token>' or the COMMERCE_SERVICES_TOKEN environment variable "
        + "(export COMMERCE_SERVICES_TOKEN=$(cat <file>)), or send 'Authorization: Bearer <token>'.";

    private static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>Loads or creates the token. Called once at start-up, before the listeners open.</summary>
    public void Initialize()
    {
        var configured = options.Value.OperatorToken;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            _tokenHash = Hash(configured.Trim());
            return;
        }

        var path = TokenFilePath;
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var token = Base64Url(RandomNumberGenerator.GetBytes(32));
            var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var writer = new StreamWriter(path, Encoding.ASCII, file))
            {
                writer.Write(token);
            }

            LogGenerated(logger, path, path);
        }
        else
        {
            LogUsingFile(logger, path, path);
        }

        _tokenHash = Hash(File.ReadAllText(path).Trim());
    }

    /// <summary>Constant-time comparison of a presented token with the operator token.</summary>
    public bool Matches(string presented)
    {
        var expected = _tokenHash ?? throw new InvalidOperationException("OperatorCredentials.Initialize was not called.");
        return CryptographicOperations.FixedTimeEquals(Hash(presented), expected);
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(EventId = PlatformLogEvents.OperatorTokenGenerated, Level = LogLevel.Warning, Message = "No Platform:OperatorToken was configured; generated one in {Path} (readable by this user only). "
        + "Use it with: export COMMERCE_SERVICES_TOKEN=$(cat {File}) or commerce-services --token <token>.")]
    private static partial void LogGenerated(ILogger logger, string path, string file);

    [LoggerMessage(EventId = PlatformLogEvents.OperatorTokenFromFile, Level = LogLevel.Information, Message = "Using the operator token in {Path}. "
        + "Use it with: export COMMERCE_SERVICES_TOKEN=$(cat {File}) or commerce-services --token <token>.")]
    private static partial void LogUsingFile(ILogger logger, string path, string file);
}
