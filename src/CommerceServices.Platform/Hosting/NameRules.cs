using CommerceServices.Protocol;

namespace CommerceServices.Platform.Hosting;

/// <summary>
/// What no name may hold — of an account, a project, a data space, a token, and in an email address: control characters
/// (NUL, line breaks, tabs, …) and the Unicode bidirectional controls. A right-to-left override (U+202E) in a data space
/// name reverses the text after it wherever the name is shown (the portal's Activity page, a shop's data space list),
/// which can make one name look like another. Pages also isolate every name they show (<c>&lt;bdi&gt;</c>), for names
/// stored before this rule.
/// </summary>
public static class NameRules
{
    /// <summary>The refusal sentence's part naming what is wrong.</summary>
    public const string Forbidden = "control characters (such as NUL or a line break) or Unicode direction controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C)";

    public static bool HasForbiddenCharacter(string? text) => text is not null && text.Any(IsForbidden);

    /// <summary>Null when <paramref name="name"/> holds no forbidden character; otherwise the refusal, naming the field.</summary>
    public static PlatformError? Check(string? name, string field) =>
        HasForbiddenCharacter(name)
            ? new PlatformError(ProblemCodes.InvalidRequest, $"'{field}' must not contain {Forbidden}.")
            : null;

    public static bool IsForbidden(char c) => char.IsControl(c) || IsBidiControl(c);

    /// <summary>The explicit directional formatting characters of Unicode's bidirectional algorithm (UAX #9).</summary>
    public static bool IsBidiControl(char c) => c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
