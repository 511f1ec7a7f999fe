using CommerceServices.Protocol.Payments;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// The currencies Payment Services accepts (the ISO 4217 table with each exponent is <see cref="Money"/>, shared with the
/// connector and the CLI), and the bounds of an amount. Amounts are whole minor units.
/// </summary>
public static class Currencies
{
    /// <summary>The largest amount in major units: eight digits before the decimal point, in every currency.</summary>
    public const long MaximumMajorUnits = 99_999_999;

    public static IEnumerable<string> Codes => Money.Codes;

    public static bool TryGetExponent(string code, out int exponent) => Money.TryGetExponent(code, out exponent);

    /// <summary>The largest amount in minor units for a currency of this exponent.</summary>
    public static long MaximumMinorUnits(int exponent) => (MaximumMajorUnits + 1) * Money.Pow10(exponent) - 1;

    /// <summary>"1.500 KWD", "500 JPY", "12.34 EUR" (<see cref="Money.Format"/>).</summary>
    public static string Format(long minorUnits, string code) => Money.Format(minorUnits, code);
}
