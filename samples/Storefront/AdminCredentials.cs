using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Storefront;

/// <summary>
/// The admin sign-in: a user name and password from configuration, or a password generated at first start into
/// <c>{DataDirectory}/admin-password</c> and printed once on the console. Also the admin's session stamp
/// (<c>{DataDirectory}/admin-session</c>): every sign-in cookie carries it, and signing out replaces it, so a cookie
/// kept from before the sign-out opens nothing (the cookie alone would stay valid until it expires).
/// </summary>
public sealed partial class AdminCredentials
{
    public const string Role = "storefront-admin";
    public const string SessionStampClaim = "session_stamp";

    private readonly byte[] _password;
    private readonly ILogger<AdminCredentials> _logger;
    private readonly string? _generatedInto;
    private readonly bool _generatedNow;
    private readonly string _sessionFile;
    private readonly Lock _sessionLock = new();
    private string _sessionStamp;

    public AdminCredentials(IOptions<StorefrontOptions> options, ILogger<AdminCredentials> logger)
    {
        _logger = logger;
        User = options.Value.AdminUser;
        var password = options.Value.AdminPassword;
        if (string.IsNullOrEmpty(password))
        {
            _generatedInto = Path.Combine(options.Value.DataDirectory, "admin-password");
            if (File.Exists(_generatedInto))
            {
                password = File.ReadAllText(_generatedInto).Trim();
            }
            else
            {
                password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y');
                WriteOwnerOnly(_generatedInto, password + "\n");

                _generatedNow = true;
            }

            GeneratedPassword = password;
        }

        _password = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        _sessionFile = Path.Combine(options.Value.DataDirectory, "admin-session");
        _sessionStamp = File.Exists(_sessionFile) ? File.ReadAllText(_sessionFile).Trim() : "";
        if (_sessionStamp.Length == 0)
        {
            EndSessions();
        }
    }

    /// <summary>The stamp a sign-in cookie must carry to be accepted.</summary>
    public string SessionStamp
    {
        get
        {
            lock (_sessionLock)
            {
                return _sessionStamp;
            }
        }
    }

    /// <summary>Ends every admin session: the stamp is replaced (and kept, so a restart does not bring old cookies back).</summary>
    public void EndSessions()
    {
        var stamp = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        lock (_sessionLock)
        {
            WriteOwnerOnly(_sessionFile, stamp + "\n");
            _sessionStamp = stamp;
        }
    }

    /// <summary>
    /// Where the generated password is kept, as the merchant would type it: relative to the folder the shop was started
    /// from when it is below it (<c>samples/Storefront/data/admin-password</c> from the clone), else in full. Null when
    /// the password comes from configuration.
    /// </summary>
    public string? PasswordFileForDisplay => _generatedInto is null ? null : PathAsTyped(_generatedInto, Environment.CurrentDirectory);

    /// <summary><paramref name="path"/> relative to <paramref name="workingDirectory"/> when it is below it, else in full.</summary>
    public static string PathAsTyped(string path, string workingDirectory) =>
        Path.GetRelativePath(workingDirectory, path) is { } relative && !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative)
            ? relative.Replace('\\', '/')
            : path;

    public string User { get; }

    /// <summary>The generated password, when none was configured (so a local test or the console can show it).</summary>
    public string? GeneratedPassword { get; }

    public bool Check(string? user, string? password) =>
        user == User && password is not null
                     && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(password)), _password);

    public void Announce()
    {
        if (_generatedNow)
        {
            // A local sample shop: printing the first password once is what lets `dotnet run` work with no setup.
            Console.WriteLine($"Storefront admin: sign in at /admin/sign-in as '{User}' with password {GeneratedPassword} (kept in {PasswordFileForDisplay}).");
        }
        else if (_generatedInto is not null)
        {
            LogPasswordFile(_logger, User, _generatedInto);
        }
    }

    private static void WriteOwnerOnly(string path, string text)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Storefront admin: sign in as '{User}' with the password in {Path}")]
    private static partial void LogPasswordFile(ILogger logger, string user, string path);
}
