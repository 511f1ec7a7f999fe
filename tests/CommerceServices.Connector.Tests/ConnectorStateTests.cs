using System.Diagnostics;
using System.Security.Cryptography;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using Microsoft.Extensions.Options;

namespace CommerceServices.Connector.Tests;

/// <summary>The settings as a process sees them: cached, and reloaded when another process writes the store.</summary>
public sealed class ConnectorStateTests : IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AWriteLandingWhileTheSettingsAreLoaded_IsSeenOnTheNextCheck()
    {
        var other = new ConnectorSettingsStore(_temp.Store); // another process writing the same store
        other.Save(other.Load() with { DataSpaceId = "ds_before" });
        var state = new ConnectorState(Options.Create(new CommerceServicesConnectorOptions { StoreDirectory = _temp.Store }), TimeProvider.System);
        var written = false;
        state.Store.AfterRead = () =>
        {
            if (!written)
            {
                written = true;
                // Far enough apart that the file's write time differs on every file system.
                Thread.Sleep(TimeSpan.FromMilliseconds(20));
                other.Save(other.Load() with { DataSpaceId = "ds_after" });
            }
        };

        var first = state.Settings;
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // past the once-a-second recheck
        var next = state.Settings;

        Assert.True(written);
        Assert.Equal("ds_before", first.DataSpaceId);
        Assert.Equal("ds_after", next.DataSpaceId);
    }

    [Fact]
    public async Task ItsOwnSave_IsNotReloaded_ButALaterWriteByAnotherProcessIs()
    {
        var state = new ConnectorState(Options.Create(new CommerceServicesConnectorOptions { StoreDirectory = _temp.Store }), TimeProvider.System);
        var reads = 0;
        state.Store.AfterRead = () => reads++;
        state.Save(state.Settings with { DataSpaceId = "ds_mine" });
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Equal("ds_mine", state.Settings.DataSpaceId);
        Assert.Equal(0, reads);

        Thread.Sleep(TimeSpan.FromMilliseconds(20));
        var other = new ConnectorSettingsStore(_temp.Store);
        other.Save(other.Load() with { DataSpaceId = "ds_theirs" });
        await Task.Delay(TimeSpan.FromSeconds(1.2));

        Assert.Equal("ds_theirs", state.Settings.DataSpaceId);
    }
    [Fact]
    public async Task CachedCredentials_AlwaysBelongToTheKeysTheyAreCachedFor_WhileOtherThreadsReplaceThem()
    {
        // Two pairs of one environment: one thread keeps replacing the environment's cached credentials (each pair in
        // turn), another reads them. What is read must never pair one pair's keys with the other's credentials.
        var state = new ConnectorState(Options.Create(new CommerceServicesConnectorOptions { StoreDirectory = _temp.Store }), TimeProvider.System);
        EnvironmentKeys[] pairs = [NewKeys(), NewKeys()];
        var mismatches = 0;
        var reads = 0L;
        var deadline = Stopwatch.StartNew();
        bool Running() => deadline.Elapsed < TimeSpan.FromSeconds(5) && Volatile.Read(ref mismatches) == 0;

        var writer = Task.Run(() =>
        {
            for (var i = 0; Running(); i++)
            {
                state.CredentialsFor(GatewayEnvironment.Sandbox, pairs[i % 2]);
            }
        });
        var reader = Task.Run(() =>
        {
            for (var i = 0; Running(); i++)
            {
                var keys = pairs[i % 2];
                if (state.CachedCredentials(GatewayEnvironment.Sandbox, keys) is { } credentials)
                {
                    reads++;
                    if (credentials.ApiKey != keys.ApiKey)
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
            }
        });
        await Task.WhenAll(writer, reader);

        Assert.True(reads > 0);
        Assert.Equal(0, mismatches);
    }

    private static EnvironmentKeys NewKeys()
    {
        using var rsa = RSA.Create(2048);
        return new EnvironmentKeys(ApiKeyFormat.Generate(GatewayEnvironment.Sandbox), rsa.ExportPkcs8PrivateKeyPem());
    }
}
