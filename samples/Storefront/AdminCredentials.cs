using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Storefront;

/// <summary>
/// The admin sign-in: a user name and password from configuration, or a password generated at first start into
/// <c>{DataDirectory}/admin-password</c> and printed once on the console.
/// </summary>
public sealed partial class AdminCredentials
{
    public const string Role = "storefront-admin";

    private readonly byte[] _password;
    private readonly ILogger<AdminCredentials> _logger;
    private readonly string? _generatedInto;
    private readonly bool _generatedNow;

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
                File.WriteAllText(_generatedInto, password + "\n");
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(_generatedInto, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                _generatedNow = true;
            }

            GeneratedPassword = password;
        }

        _password = SHA256.HashData(Encoding.UTF8.GetBytes(password));
    }

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
            Console.WriteLine($"Storefront admin: sign in at /admin/sign-in as '{User}' with password {GeneratedPassword} (kept in {_generatedInto}).");
        }
        else if (_generatedInto is not null)
        {
            LogPasswordFile(_logger, User, _generatedInto);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Storefront admin: sign in as '{User}' with the password in {Path}")]
    private static partial void LogPasswordFile(ILogger logger, string user, string path);
}
