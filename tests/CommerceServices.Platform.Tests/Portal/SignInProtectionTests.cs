using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Portal.Users;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Testing;
using Xunit.Abstractions;

namespace CommerceServices.Platform.Tests.Portal;

/// <summary>
/// The sign-in lockout under attack through real HTTP: wrong passwords sent in parallel, the password page's check of
/// the current password, the time a locked answer takes, and the password rules (NIST SP 800-63B).
/// Alone, after the parallel classes (TimingCollection): one test compares the times of two kinds of answers.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class SignInProtectionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private PlatformHost _host = null!;

    // Many posts from one test address; the per-address limit is tested on its own elsewhere.
    public async Task InitializeAsync() =>
        _host = await PlatformHost.StartAsync(settings: new Dictionary<string, string?> { ["Portal:SignInAttemptsPerMinutePerIp"] = "1000" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task WrongPasswordsSentInParallel_LockTheUser_AndTheRightPasswordIsThenRefused()
    {
        var (accountId, email, password) = await PortalSession.NewUserAsync(_host);
        var sessions = Enumerable.Range(0, 24).Select(_ => new PortalSession(_host)).ToList();
        var tokens = await Task.WhenAll(sessions.Select(s => s.AntiforgeryTokenAsync("/sign-in")));

        var answers = await Task.WhenAll(sessions.Select(async (session, i) =>
        {
            using var response = await session.PostFormAsync("/sign-in", "/sign-in",
                new Dictionary<string, string> { ["email"] = email, ["password"] = $"wrong password {i}" }, tokens[i]);
            return response.StatusCode;
        }));
        using var right = new PortalSession(_host);
        using var afterwards = await right.PostFormAsync("/sign-in", "/sign-in", new Dictionary<string, string> { ["email"] = email, ["password"] = password });

        Assert.All(answers, status => Assert.True(status is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, status.ToString()));
        Assert.Equal(HttpStatusCode.TooManyRequests, afterwards.StatusCode);
        Assert.Contains("locked", await afterwards.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // At most five of them had their password checked: the others were refused as locked.
        Assert.InRange(answers.Count(s => s == HttpStatusCode.Unauthorized), 0, UserService.FailuresBeforeLockout - 1);
        var audit = await _host.Management.GetFromJsonAsync<JsonArray>($"/api/v1/accounts/{accountId}/audit");
        Assert.Single(audit!, e => e!["action"]!.GetValue<string>() == PortalAuditActions.UserLockedOut);
        sessions.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task WrongCurrentPasswordsOnThePasswordPage_CountAsFailedSignIns_AndLockTheUser()
    {
        var (_, email, password) = await PortalSession.NewUserAsync(_host);
        using var session = new PortalSession(_host);
        await session.SignInAsync(email, password);

        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= UserService.FailuresBeforeLockout; i++)
        {
            using var wrong = await session.PostFormAsync("/password", "/password",
                new Dictionary<string, string> { ["current"] = $"a wrong guess {i}", ["password"] = "a brand new passphrase" });
            statuses.Add(wrong.StatusCode);
        }

        using var rightCurrent = await session.PostFormAsync("/password", "/password",
            new Dictionary<string, string> { ["current"] = password, ["password"] = "a brand new passphrase" });
        using var signIn = new PortalSession(_host);
        using var signInAnswer = await signIn.PostFormAsync("/sign-in", "/sign-in", new Dictionary<string, string> { ["email"] = email, ["password"] = password });

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, UserService.FailuresBeforeLockout - 1), statuses.Take(UserService.FailuresBeforeLockout - 1));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.Equal(HttpStatusCode.TooManyRequests, rightCurrent.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, signInAnswer.StatusCode);
    }

    [Fact]
    public async Task ALockedEmailThatExists_AndOneThatDoesNot_AnswerInTheSameTime()
    {
        var (_, email, _) = await PortalSession.NewUserAsync(_host);
        var unknown = "nobody-" + email;
        using var session = new PortalSession(_host);
        var token = await session.AntiforgeryTokenAsync("/sign-in");

        async Task<(HttpStatusCode Status, double Milliseconds)> TryAsync(string who, string secret)
        {
            var clock = Stopwatch.StartNew();
            using var response = await session.PostFormAsync("/sign-in", "/sign-in", new Dictionary<string, string> { ["email"] = who, ["password"] = secret }, token);
            _ = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, clock.Elapsed.TotalMilliseconds);
        }

        for (var i = 0; i < UserService.FailuresBeforeLockout; i++)
        {
            await TryAsync(email, "wrong " + i);
            await TryAsync(unknown, "wrong " + i);
        }

        // In pairs, each pair back to back and in alternating order, so a busy moment of this shared machine falls on
        // both alike; the median of the pairs' ratios, so a few slow answers do not decide.
        var ratios = new List<double>();
        var known = new List<double>();
        var missing = new List<double>();
        for (var i = 0; i < 21; i++)
        {
            var (a, b) = i % 2 == 0
                ? (await TryAsync(email, "still wrong " + i), await TryAsync(unknown, "still wrong " + i))
                : Swap(await TryAsync(unknown, "still wrong " + i), await TryAsync(email, "still wrong " + i));
            Assert.Equal(HttpStatusCode.TooManyRequests, a.Status);
            Assert.Equal(HttpStatusCode.TooManyRequests, b.Status);
            known.Add(a.Milliseconds);
            missing.Add(b.Milliseconds);
            ratios.Add(a.Milliseconds / b.Milliseconds);
        }

        var ratio = Median(ratios);
        output.WriteLine($"locked known email: median {Median(known):0.0} ms; unknown: {Median(missing):0.0} ms; median ratio of pairs {ratio:0.00}");
        Assert.True(ratio is > 0.8 and < 1.25,
            $"locked known email: median {Median(known):0.0} ms; unknown: {Median(missing):0.0} ms (median ratio of pairs {ratio:0.00})");

        static ((HttpStatusCode Status, double Milliseconds), (HttpStatusCode Status, double Milliseconds)) Swap(
            (HttpStatusCode Status, double Milliseconds) first, (HttpStatusCode Status, double Milliseconds) second) => (second, first);
    }

    [Theory]
    [InlineData("password1234", "most common passwords")] // in the list as it is
    [InlineData("Password1234!", "most common passwords")] // a listed word with digits and a symbol around it
    [InlineData("letmein2024!!", "most common passwords")]
    [InlineData("            x", "at least 12 characters")] // twelve spaces and an x
    [InlineData("               ", "at least 12 characters")]
    [InlineData("aaaaaaaaaaaaaaa", "repeated")]
    [InlineData("abcabcabcabcabc", "repeated")]
    [InlineData("1234567890123", "repeated")]
    [InlineData("Commerce Services", "name of this service")]
    [InlineData("{email}", "email address")]
    [InlineData("The Example Shop Ltd", "account's name")]
    public async Task ACommonPasswordOrOneMadeOfTheUsersOwnDetails_IsRefusedWithWeakPassword(string password, string why)
    {
        var email = $"{Guid.NewGuid():N}@example.test";
        using var created = await _host.Management.PostAsJsonAsync("/api/v1/accounts", new { email, name = "The Example Shop Ltd" });
        var accountId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        using var invited = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/invitations", new { email });
        var link = new Uri((await invited.Content.ReadFromJsonAsync<JsonObject>())!["url"]!.GetValue<string>()).PathAndQuery;
        using var session = new PortalSession(_host);

        using var refused = await session.PostFormAsync(link, link, new Dictionary<string, string> { ["password"] = password.Replace("{email}", email, StringComparison.Ordinal) });
        var page = await refused.Content.ReadAsStringAsync();
        using var accepted = await session.PostFormAsync(link, link, new Dictionary<string, string> { ["password"] = "correct horse battery staple" });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(why, System.Net.WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode); // the refused try did not use the link up
    }

    [Fact]
    public void TheShippedListOfCommonPasswords_HoldsTensOfThousands_AndIsComparedWithoutCase()
    {
        Assert.InRange(PasswordRules.CommonCount, 10_000, 100_000);
        Assert.True(PasswordRules.IsCommon("qwerty123456"));
        Assert.True(PasswordRules.IsCommon("QWERTY123456"));
        Assert.False(PasswordRules.IsCommon("correct horse battery staple"));
        Assert.Null(PasswordRules.Check("correct horse battery staple", "ada@example.test", "Ada's shop"));
        Assert.Null(PasswordRules.Check("Tr0ub4dor&3 is long", "ada@example.test", "Ada's shop")); // no composition rules either way
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
