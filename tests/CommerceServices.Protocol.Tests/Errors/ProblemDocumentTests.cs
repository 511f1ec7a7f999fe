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
}
