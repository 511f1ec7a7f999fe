using CommerceServices.Protocol.Registry;

namespace CommerceServices.Protocol.Tests.Errors;

/// <summary>The one reader of problem+json answers: a code and a sentence, or false, never an exception.</summary>
public sealed class ProblemDocumentTests
{
    [Theory]
    [InlineData("""{"code":"quota_exceeded","detail":"The account may have 1.","title":"Quota"}""", "quota_exceeded", "The account may have 1.")]
    [InlineData("""{"code":"token_expired","message":"Check the clock.","title":"Expired"}""", "token_expired", "Check the clock.")]
    [InlineData("""{"code":"not_found","title":"There is nothing here."}""", "not_found", "There is nothing here.")]
    [InlineData("""{"code":"internal_error"}""", "internal_error", null)]
    public void AProblemDocument_GivesItsCodeAndItsSentence(string json, string code, string? detail)
    {
        Assert.True(ProblemDocument.TryRead(json, out var readCode, out var readDetail));
        Assert.Equal(code, readCode);
        Assert.Equal(detail, readDetail);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("""{"code":""}""")]
    [InlineData("""{"code":42,"detail":"a number"}""")]
    [InlineData("""["code"]""")]
    [InlineData("""{"code":"truncated""")]
    public void AnythingElse_IsFalse_NotAnException(string? json)
    {
        Assert.False(ProblemDocument.TryRead(json, out var code, out _));
        Assert.Null(code);
    }

    [Fact]
    public void AHolding_IsDescribedWithTheServicesOwnWords()
    {
        Assert.Equal("3 payments and 1 payment", Holding.DescribeAll([new Holding("payments", 3, "payments", "payment"), new Holding("payments", 1, "payments", "payment")]));
        Assert.Equal("2 shipping items", new Holding("shipping", 2).Describe());
        Assert.Equal("nothing", Holding.DescribeAll([]));
    }

    [Fact]
    public void AHolding_PrefersTheServicesDescription_AndAServiceThatDidNotAnswerIsUnknown_NeverEmpty()
    {
        var described = new Holding("payments", 2, "payments", "payment", "1 payment, 1 declined attempt");
        var unknown = new Holding("recommendations", null, Name: "Recommendations", Problem: "Recommendations could not be reached");
        var empty = new Holding("reviews", 0, "reviews");

        Assert.Equal("1 payment, 1 declined attempt", described.Describe());
        Assert.Equal("1 order line", new Holding("recommendations", 1, "order lines").Describe());
        Assert.Equal("an unknown amount of Recommendations data (Recommendations could not be reached)", unknown.Describe());
        Assert.True(unknown.MayHoldData);
        Assert.False(empty.MayHoldData);
        Assert.Equal("1 payment, 1 declined attempt and an unknown amount of Recommendations data (Recommendations could not be reached)",
            Holding.DescribeHeld([described, empty, unknown]));
        Assert.DoesNotContain("isKnown", System.Text.Json.JsonSerializer.Serialize(unknown), StringComparison.OrdinalIgnoreCase);
    }
}
