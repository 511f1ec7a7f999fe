using OtpNet;

namespace CommerceServices.Platform.Operators;

/// <summary>
/// Time-based one-time passwords (RFC 6238) as authenticator apps make them: HMAC-SHA1, 30-second steps, 6 digits,
/// computed by Otp.NET. A code is accepted within one step either side (clock drift, a code typed as it changes) and
/// only for a step later than the last one accepted, so an overheard code cannot be used again.
/// </summary>
public static class Totp
{
    public const int Digits = 6;
    public const int StepSeconds = 30;

    /// <summary>160 bits, the HMAC-SHA1 block the RFC recommends.</summary>
    public const int SecretBytes = 20;

    /// <summary>The time step that accepted <paramref name="code"/>, or null when it is wrong or was used already.</summary>
    public static long? Verify(string secretBase64, string? code, DateTimeOffset now, long? lastAcceptedStep)
    {
        if (code is not { Length: Digits } || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        var totp = new OtpNet.Totp(Convert.FromBase64String(secretBase64), StepSeconds, OtpHashMode.Sha1, Digits);
        if (!totp.VerifyTotp(now.UtcDateTime, code, out var step, new VerificationWindow(previous: 1, future: 1)))
        {
            return null;
        }

        return lastAcceptedStep is { } last && step <= last ? null : step;
    }

    /// <summary>The code for <paramref name="now"/> (tests and the bench sign in with it).</summary>
    public static string Compute(string secretText, DateTimeOffset now) =>
        new OtpNet.Totp(Base32Encoding.ToBytes(secretText), StepSeconds, OtpHashMode.Sha1, Digits).ComputeTotp(now.UtcDateTime);

    /// <summary>The secret as authenticator apps take it typed: Base32, in groups of four.</summary>
    public static string Base32(byte[] secret)
    {
        var text = Base32Encoding.ToString(secret).TrimEnd('=');
        return string.Join(' ', text.Chunk(4).Select(c => new string(c)));
    }

    /// <summary>The Key Uri Format authenticator apps read from a QR code.</summary>
    public static string Uri(string issuer, string account, byte[] secret) =>
        $"otpauth://totp/{System.Uri.EscapeDataString(issuer)}:{System.Uri.EscapeDataString(account)}" +
        $"?secret={Base32Encoding.ToString(secret).TrimEnd('=')}&issuer={System.Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits={Digits}&period={StepSeconds}";
}
