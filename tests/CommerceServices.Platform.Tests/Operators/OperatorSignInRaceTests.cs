using CommerceServices.Platform.Data;
using CommerceServices.Platform.Operators;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Operators;

/// <summary>
/// The operators' sign-in counts attempts as the portal's does: in the database, atomically, so attempts made in
/// parallel never check more secrets than the lockout allows, and one authenticator code signs in once however many
/// requests carry it at the same moment.
/// </summary>
public sealed class OperatorSignInRaceTests : IAsyncLifetime
{
    private PlatformHost _host = null!;

    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task WrongPasswordsSentInParallel_LockTheOperator_SoTheRightPasswordIsThenRefused()
    {
        var (session, email) = await OperatorSession.NewAsync(_host, OperatorRoles.Support);
        session.Dispose();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => CheckPasswordAsync(email, $"wrong password number {i}")));
        var right = await CheckPasswordAsync(email, OperatorSession.Password);

        Assert.All(attempts, a => Assert.NotNull(a.Error));
        Assert.Equal(ProblemCodes.SignInLocked, right.Error?.Code);
    }

    [Fact]
    public async Task OneAuthenticatorCode_SentTwiceAtOnce_SignsInOnce()
    {
        var (session, email) = await OperatorSession.NewAsync(_host, OperatorRoles.Admin);
        var secret = session.Secret!;
        session.Dispose();
        var (id, stamp, lastStep) = await OperatorAsync(email);
        // A code of a step after the one enrolment used, so it has not been accepted yet.
        var at = DateTimeOffset.FromUnixTimeSeconds(((lastStep ?? 0) + 1) * Totp.StepSeconds);
        if (at < DateTimeOffset.UtcNow - TimeSpan.FromSeconds(Totp.StepSeconds))
        {
            at = DateTimeOffset.UtcNow;
        }

        var code = Totp.Compute(secret, at);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => CheckSecondFactorAsync(id, stamp, code)));

        Assert.Equal(1, results.Count(r => r.Error is null));
    }

    private async Task<CommerceServices.Platform.Hosting.Outcome<OperatorUser>> CheckPasswordAsync(string email, string password)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OperatorService>().CheckPasswordAsync(email, password, CancellationToken.None);
    }

    private async Task<CommerceServices.Platform.Hosting.Outcome<OperatorUser>> CheckSecondFactorAsync(string id, string stamp, string code)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OperatorService>().CheckSecondFactorAsync(id, stamp, code, CancellationToken.None);
    }

    private async Task<(string Id, string Stamp, long? LastStep)> OperatorAsync(string email)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Set<OperatorUser>().AsNoTracking().SingleAsync(o => o.Email == email);
        return (user.Id, user.SecurityStamp, user.LastTotpStep);
    }
}
