using System.Collections.Frozen;
using System.Globalization;

namespace CommerceServices.Protocol.Payments;

/// <summary>
/// The ISO 4217 currencies Payment Services takes, with their exponent (decimal places of the minor unit: JPY 0, EUR 2,
/// KWD 3), and the one way money is written for people everywhere — the platform's <c>displayAmount</c>, the CLI, the
/// admin pages: the exponent's decimals with invariant digits, then the code ("12.50 EUR", "500 JPY", "1.500 KWD").
/// </summary>
public static class Money
{
    private static readonly FrozenDictionary<string, int> Exponents = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        // Zero decimals.
        ["BIF"] = 0, ["CLP"] = 0, ["DJF"] = 0, ["GNF"] = 0, ["ISK"] = 0, ["JPY"] = 0, ["KMF"] = 0, ["KRW"] = 0,
        ["PYG"] = 0, ["RWF"] = 0, ["UGX"] = 0, ["VND"] = 0, ["VUV"] = 0, ["XAF"] = 0, ["XOF"] = 0, ["XPF"] = 0,
        // Three decimals.
        ["BHD"] = 3, ["IQD"] = 3, ["JOD"] = 3, ["KWD"] = 3, ["LYD"] = 3, ["OMR"] = 3, ["TND"] = 3,
        // Two decimals.
        ["AED"] = 2, ["ARS"] = 2, ["AUD"] = 2, ["BGN"] = 2, ["BRL"] = 2, ["CAD"] = 2, ["CHF"] = 2, ["CNY"] = 2,
        ["COP"] = 2, ["CZK"] = 2, ["DKK"] = 2, ["EGP"] = 2, ["EUR"] = 2, ["GBP"] = 2, ["HKD"] = 2, ["HUF"] = 2,
        ["IDR"] = 2, ["ILS"] = 2, ["INR"] = 2, ["MAD"] = 2, ["MXN"] = 2, ["MYR"] = 2, ["NGN"] = 2, ["NOK"] = 2,
        ["NZD"] = 2, ["PEN"] = 2, ["PHP"] = 2, ["PKR"] = 2, ["PLN"] = 2, ["QAR"] = 2, ["RON"] = 2, ["RSD"] = 2,
        ["SAR"] = 2, ["SEK"] = 2, ["SGD"] = 2, ["THB"] = 2, ["TRY"] = 2, ["TWD"] = 2, ["UAH"] = 2, ["USD"] = 2,
        ["ZAR"] = 2,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every currency code taken, in order.</summary>
    public static IEnumerable<string> Codes => Exponents.Keys.Order(StringComparer.Ordinal);

    public static bool TryGetExponent(string code, out int exponent) => Exponents.TryGetValue(code, out exponent);

    /// <summary>"1.500 KWD", "500 JPY", "12.34 EUR": invariant digits, the currency's decimals (2 for a code not listed).</summary>
    public static string Format(long minorUnits, string code)
    {
        var exponent = TryGetExponent(code, out var e) ? e : 2;
        var major = (decimal)minorUnits / Pow10(exponent);
        return $"{major.ToString("F" + exponent, CultureInfo.InvariantCulture)} {code}";
    }

    /// <summary>10 to the power of <paramref name="exponent"/>.</summary>
    public static long Pow10(int exponent)
    {
        var value = 1L;
        for (var i = 0; i < exponent; i++)
        {
            value *= 10;
        }

        return value;
    }
}
