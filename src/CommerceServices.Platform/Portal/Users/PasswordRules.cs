using System.Collections.Frozen;
using System.Reflection;
using System.Text;
using System.Text.Json;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;

namespace CommerceServices.Platform.Portal.Users;

/// <summary>
/// What a new password must be, after NIST SP 800-63B (section 3.1.1.2): long enough, not a common or breached password
/// (a shipped list of 49,233, see CommonPasswords/README.md), not the user's email or account name, not one repeated
/// character, pattern or sequence — and no composition rules (no "one digit and one symbol"), which the standard
/// advises against. Every refusal is <c>weak_password</c> with a sentence saying which rule.
/// </summary>
public static class PasswordRules
{
    public const int MinimumLength = 12;
    public const int MaximumLength = 256;

    /// <summary>Common passwords shorter than this are not looked for inside a longer password with digits or symbols added.</summary>
    private const int ShortestWordLookedFor = 4;

    private const string Advice = "A few unrelated words work well.";

    private static readonly Lazy<FrozenSet<string>> Common = new(LoadCommonPasswords);

    /// <summary>Why <paramref name="password"/> may not be chosen by the user of <paramref name="email"/> in account <paramref name="accountName"/>, or null.</summary>
    public static PlatformError? Check(string? password, string? email, string? accountName)
    {
        if (string.IsNullOrWhiteSpace(password))
        {
            return Weak($"Choose a password of at least {MinimumLength} characters. {Advice}");
        }

        if (password.Length > MaximumLength)
        {
            return Weak($"A password may have at most {MaximumLength} characters.");
        }

        // Spaces in a row count once, and spaces around the password not at all: twelve spaces and an x is one character.
        var collapsed = CollapseWhitespace(password);
        if (collapsed.Length < MinimumLength)
        {
            return Weak($"Choose a password of at least {MinimumLength} characters (spaces in a row count once). {Advice}");
        }

        var compact = Compact(password);
        if (IsRepetitiveOrSequential(compact))
        {
            return Weak($"A password of one repeated character, a repeated pattern or a run such as 123456789… or abcdef… is guessed at once. {Advice}");
        }

        var core = compact.Trim(NotALetter);
        if (IsCommon(compact) || (core.Length >= ShortestWordLookedFor && IsCommon(core)))
        {
            return Weak($"This is one of the most common passwords, which attackers try first (digits or symbols around it do not help). {Advice}");
        }

        var context = ContextWords(email, accountName);
        if (context.Any(word => word == compact || word == core) || (email is { Length: > 0 } && compact.Contains(Compact(email), StringComparison.Ordinal)))
        {
            return Weak($"A password must not be your email address, the account's name or the name of this service. {Advice}");
        }

        return null;
    }

    /// <summary>Whether the list holds <paramref name="password"/> (compared without case and without spaces).</summary>
    public static bool IsCommon(string password) => Common.Value.Contains(Compact(password));

    /// <summary>How many passwords the shipped list holds.</summary>
    public static int CommonCount => Common.Value.Count;

    private static PlatformError Weak(string message) => new(ProblemCodes.WeakPassword, message);

    private static readonly char[] NotALetter = [.. Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (char)c).Where(c => !char.IsAsciiLetter(c))];

    private static string CollapseWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Trim())
        {
            if (!char.IsWhiteSpace(c) || builder.Length == 0 || !char.IsWhiteSpace(builder[^1]))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Lower case, without whitespace: "Correct Horse" and "correcthorse" are the same word to an attacker's list.</summary>
    private static string Compact(string text) =>
        string.Concat(text.Where(c => !char.IsWhiteSpace(c))).ToLowerInvariant();

    private static IEnumerable<string> ContextWords(string? email, string? accountName)
    {
        yield return "commerceservices";
        if (email is { Length: > 0 })
        {
            var compact = Compact(email);
            yield return compact;
            var at = compact.IndexOf('@', StringComparison.Ordinal);
            if (at >= ShortestWordLookedFor)
            {
                yield return compact[..at];
            }
        }

        if (accountName is { Length: > 0 } && Compact(accountName) is { Length: >= ShortestWordLookedFor } name)
        {
            yield return name;
        }
    }

    /// <summary>One character repeated, a pattern of up to four characters repeated, or a run of consecutive characters.</summary>
    private static bool IsRepetitiveOrSequential(string text)
    {
        for (var period = 1; period <= 4; period++)
        {
            var repeats = true;
            for (var i = period; i < text.Length && repeats; i++)
            {
                repeats = text[i] == text[i - period];
            }

            if (repeats)
            {
                return true;
            }
        }

        foreach (var step in new[] { 1, -1 })
        {
            var run = true;
            for (var i = 1; i < text.Length && run; i++)
            {
                var expected = text[i - 1] + step;
                // Digits run on past 9 to 0 (1234567890123) and back.
                run = text[i] == expected || (char.IsAsciiDigit(text[i]) && char.IsAsciiDigit(text[i - 1]) && text[i] - '0' == ((text[i - 1] - '0' + step) % 10 + 10) % 10);
            }

            if (run)
            {
                return true;
            }
        }

        return false;
    }

    private static FrozenSet<string> LoadCommonPasswords()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("CommonPasswords.passwords.json")
            ?? throw new InvalidOperationException("The embedded common-password list (CommonPasswords.passwords.json) is missing.");
        var passwords = JsonSerializer.Deserialize<string[]>(stream) ?? [];
        return passwords.Select(Compact).Where(p => p.Length > 0).ToFrozenSet(StringComparer.Ordinal);
    }
}
