using CommerceServices.Protocol.Payments;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// The sandbox's cards. The sandbox takes only these numbers (any future expiry, any security code of the brand's
/// length), so a real card number is never sent to it; the production gateway refuses all of them. The README lists
/// them.
/// </summary>
public static class TestCards
{
    /// <summary>A test card: its number, brand and what the sandbox does with it (null: approves).</summary>
    public sealed record TestCard(string Number, string Brand, string? DeclineReason);

    public static IReadOnlyList<TestCard> All { get; } =
    [
        new("4111111111111111", CardBrands.Visa, null),
        new("4242424242424242", CardBrands.Visa, null),
        new("5555555555554444", CardBrands.Mastercard, null),
        new("2223003122003222", CardBrands.Mastercard, null),
        new("378282246310005", CardBrands.Amex, null),
        new("4000000000000002", CardBrands.Visa, DeclineReasons.DoNotHonour),
        new("4000000000009995", CardBrands.Visa, DeclineReasons.InsufficientFunds),
        new("4000000000000069", CardBrands.Visa, DeclineReasons.ExpiredCard),
        new("5105105105105100", CardBrands.Mastercard, DeclineReasons.DoNotHonour),
    ];

    private static readonly Dictionary<string, TestCard> ByNumber = All.ToDictionary(c => c.Number, StringComparer.Ordinal);

    public static TestCard? Find(string digits) => ByNumber.GetValueOrDefault(digits);
}

/// <summary>Card numbers: brand from the leading digits, and the Luhn check digit.</summary>
public static class CardBrands
{
    public const string Visa = "visa";
    public const string Mastercard = "mastercard";
    public const string Amex = "amex";
    public const string Discover = "discover";
    public const string Unknown = "unknown";

    public static string Of(string digits) => digits switch
    {
        ['4', ..] => Visa,
        ['3', '4' or '7', ..] => Amex,
        ['5', >= '1' and <= '5', ..] => Mastercard,
        ['2', >= '2' and <= '7', ..] => Mastercard,
        ['6', '0', '1', '1', ..] or ['6', '5', ..] => Discover,
        _ => Unknown,
    };

    /// <summary>The length of the security code the brand prints: four on American Express, three elsewhere.</summary>
    public static int SecurityCodeLength(string brand) => brand == Amex ? 4 : 3;

    public static bool PassesLuhn(string digits)
    {
        var sum = 0;
        var doubled = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }
}
