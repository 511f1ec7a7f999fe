namespace CommerceServices.Cli.Tests;

public sealed class DurationTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 172800)]
    [InlineData("1h30m", 5400)]
    [InlineData(" 2S ", 2)]
    public void ShortDurations_AreParsed(string text, int seconds)
    {
        Assert.True(Duration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("h")]
    [InlineData("1.5h")]
    [InlineData("-1h")]
    [InlineData("1w")]
    [InlineData("1h 30m")]
    [InlineData("99999999999d")]
    [InlineData("30000d")]
    public void AnythingElse_IsRefused(string text) => Assert.False(Duration.TryParse(text, out _));
}
