using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;

namespace CommerceServices.Protocol.Tests.Keys;

public sealed class ApiKeyFormatTests
{
    [Theory]
    [InlineData(GatewayEnvironment.Sandbox, "cs_sbx_")]
    [InlineData(GatewayEnvironment.Production, "cs_prd_")]
    public void GeneratedKey_IsValidAndTellsItsEnvironment(GatewayEnvironment environment, string prefix)
    {
        var key = ApiKeyFormat.Generate(environment);

        var check = ApiKeyFormat.Check(key);

        Assert.True(check.IsValid, check.Message);
        Assert.Equal(environment, check.Environment);
        Assert.StartsWith(prefix, key);
        Assert.Equal(ApiKeyFormat.Length, key.Length);
    }

    [Fact]
    public void GeneratedKeys_AreDifferentEachTime() =>
        Assert.Equal(1000, Enumerable.Range(0, 1000).Select(_ => ApiKeyFormat.Generate(GatewayEnvironment.Sandbox)).Distinct().Count());

    [Fact]
    public void SurroundingWhitespace_IsIgnored()
    {
        var key = ApiKeyFormat.Generate(GatewayEnvironment.Production);

        Assert.Equal(key, ApiKeyFormat.Check($"  {key}\n").ApiKey);
    }

    [Fact]
    public void EverySingleCharacterTypo_IsCaughtByTheChecksum()
    {
        var key = ApiKeyFormat.Generate(GatewayEnvironment.Sandbox);
        var missed = 0;
        for (var i = ApiKeyFormat.SandboxPrefix.Length; i < key.Length; i++)
        {
            var typo = key[..i] + (key[i] == 'a' ? 'b' : 'a') + key[(i + 1)..];
            if (ApiKeyFormat.Check(typo).IsValid)
            {
                missed++;
            }
        }

        Assert.Equal(0, missed);
    }

    [Fact]
    public void SwappingThePrefix_DoesNotTurnASandboxKeyIntoAProductionKey()
    {
        var sandbox = ApiKeyFormat.Generate(GatewayEnvironment.Sandbox);
        var forged = ApiKeyFormat.ProductionPrefix + sandbox[ApiKeyFormat.SandboxPrefix.Length..];

        var check = ApiKeyFormat.Check(forged);

        Assert.False(check.IsValid);
        Assert.Equal(ProblemCodes.MalformedApiKey, check.Code);
    }

    [Fact]
    public void TruncatedPaste_SaysHowManyCharactersAreMissing()
    {
        var key = ApiKeyFormat.Generate(GatewayEnvironment.Sandbox);

        var check = ApiKeyFormat.Check(key[..^3]);

        Assert.Equal(ProblemCodes.MalformedApiKey, check.Code);
        Assert.Contains("3 character(s) short", check.Message);
    }

    [Theory]
    [InlineData(null, ProblemCodes.MissingApiKey)]
    [InlineData("", ProblemCodes.MissingApiKey)]
    [InlineData("   ", ProblemCodes.MissingApiKey)]
    [InlineData("sk_live_1234", ProblemCodes.MalformedApiKey)]
    [InlineData("cs_sbx_", ProblemCodes.MalformedApiKey)]
    [InlineData("cs_sbx_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", ProblemCodes.MalformedApiKey)]
    public void BadKeys_AreRefusedWithTheirCode(string? candidate, string code)
    {
        var check = ApiKeyFormat.Check(candidate);

        Assert.False(check.IsValid);
        Assert.Equal(code, check.Code);
        Assert.False(string.IsNullOrWhiteSpace(check.Message));
    }
}
