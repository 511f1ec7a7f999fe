using System.Net;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Portal;

/// <summary>A merchant using the portal as intended leaves no warning in the platform's log.</summary>
public sealed class PortalWarningsTests
{
    [Fact]
    public async Task NormalPortalUse_LogsNoWarning_NotEvenFromAntiforgery()
    {
        await using var host = await PlatformHost.StartAsync();
        var before = host.Logs.Lines.Count;
        var user = await PortalSession.NewUserAsync(host); // opens the invitation page and sets a password
        using var session = new PortalSession(host);
        await session.SignInAsync(user.Email, user.Password);

        foreach (var page in new[] { "/", "/keys", "/data-spaces", "/services", "/activity", "/tokens", "/password" })
        {
            await session.PageAsync(page);
        }

        using var key = await session.PostFormAsync("/keys", "/keys?handler=Create",
            new Dictionary<string, string> { ["environment"] = "sandbox", ["confirm"] = "true" });
        await session.PageAsync(key.Headers.Location!.OriginalString); // the private key, shown once
        using var token = await session.PostFormAsync("/tokens", "/tokens?handler=Create", new Dictionary<string, string> { ["name"] = "deploy" });
        await session.PageAsync(token.Headers.Location!.OriginalString); // the token, shown once
        using var signedOut = await session.PostFormAsync("/", "/sign-out", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);

        Assert.DoesNotContain(host.Logs.Lines.Skip(before), l => l.StartsWith("Warn", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal));
    }
}
