using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;
using Microsoft.Extensions.Logging;

namespace CommerceServices.Connector.Configuration;

/// <summary>
/// Saving keys, the SaaS identifier and gateway URLs, and moving the instance between data spaces (R12, R13, R18):
/// keys are checked offline, then by the gateway; the new data space is bound to this instance before anything is
/// copied into it or saved; the old one is released last.
/// </summary>
internal sealed partial class ConnectorConfiguration(ConnectorState state, RegistryClient registry, SettingsSaver saver, ILogger logger)
{
    public async Task<ConfigureResult> ConfigureAsync(ConnectorSettings current, ConnectorChange change, DataSpaceMove move, CancellationToken ct)
    {
        foreach (var url in new[] { change.SandboxGatewayUrl, change.ProductionGatewayUrl })
        {
            if (url is not null && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
            {
                return ConfigureResult.Invalid(ConnectorCodes.InvalidGatewayUrl,
                    $"'{url}' is not an http:// or https:// URL. Give the gateway's full address, for example http://127.0.0.1:5082.");
            }
        }

        var previousEnvironment = state.EnvironmentOf(current);
        var environment = change.Environment ?? previousEnvironment;
        var next = current with
        {
            Environment = change.Environment ?? current.Environment,
            ProjectId = ConnectorText.Blank(change.ProjectId) ?? current.ProjectId,
            DataSpaceId = ConnectorText.Blank(change.DataSpaceId) ?? current.DataSpaceId,
            SandboxGatewayUrl = change.SandboxGatewayUrl ?? current.SandboxGatewayUrl,
            ProductionGatewayUrl = change.ProductionGatewayUrl ?? current.ProductionGatewayUrl,
        };

        GatewayCredentials? credentials = null;
        if (change.ApiKey is not null || change.PrivateKeyPem is not null)
        {
            var existing = current.KeysFor(environment);
            var built = GatewayCredentials.Create(environment,
                new EnvironmentKeys(change.ApiKey ?? existing?.ApiKey ?? "", change.PrivateKeyPem ?? existing?.PrivateKeyPem ?? ""), state.Time);
            if (!built.Success)
            {
                return ConfigureResult.Invalid(built.Code!, built.Message!);
            }

            credentials = built.Credentials!;
            next = next.WithKeys(environment, new EnvironmentKeys(credentials.ApiKey, credentials.PrivateKeyPem));
        }
        else if (next.KeysFor(environment) is { } stored)
        {
            credentials = state.CredentialsFor(environment, stored).Credentials;
        }

        var gatewayUrl = state.GatewayUrlOf(next, environment);
        var changed = next.DataSpaceId != current.DataSpaceId || !Equals(next.KeysFor(environment), current.KeysFor(environment))
                      || environment != previousEnvironment || gatewayUrl != state.GatewayUrlOf(current, environment);
        if (credentials is null || !changed)
        {
            // Nothing the gateway could check yet (no keys), or nothing it would see differently.
            return saver.Save(next, credentials is null
                ? $"Saved. Enter the {environment.ToName()} key pair to connect (`--api-key` and `--private-key-file` on " +
                  "`commerce-services connector configure`, or the Keys fields of the connector's admin page)."
                : "Saved.");
        }

        var target = new GatewayTarget(gatewayUrl, credentials);
        if (next.DataSpaceId is null)
        {
            var ping = await registry.PingAsync(target, ct);
            return ping.Failure is { } refused
                ? ConfigureResult.Fail(refused, $"The {environment.ToName()} gateway did not accept the key pair; nothing was saved")
                : saver.Save(next, $"Saved. The {environment.ToName()} key pair works (account {ping.Value!.AccountId}); choose a project " +
                                   "and data space to connect (`--project` and `--data-space`).");
        }

        // R12: a production instance leaving the data space that holds its data.
        var oldDataSpace = current.DataSpaceId;
        GatewayTarget? oldTarget = oldDataSpace is not null && current.KeysFor(previousEnvironment) is { } oldKeys
                                   && state.CredentialsFor(previousEnvironment, oldKeys).Credentials is { } oldCredentials
            ? new GatewayTarget(state.GatewayUrlOf(current, previousEnvironment), oldCredentials)
            : null;
        var movingAway = previousEnvironment == GatewayEnvironment.Production && oldDataSpace is not null && oldDataSpace != next.DataSpaceId;
        if (movingAway && move == DataSpaceMove.None)
        {
            return await new DataLossGuard(registry).RefuseAsync(oldTarget, oldDataSpace!, next.DataSpaceId,
                withNewKeys: change.ApiKey is not null || change.PrivateKeyPem is not null, state.Store.Directory, ct);
        }

        // Bind first: the platform refuses a data space another instance holds before anything lands in it, and a copy
        // into it is then accepted for this instance only.
        var bind = await registry.BindAsync(target, next.DataSpaceId, next.InstanceId, ct);
        if (bind.Failure is { } bindFailure)
        {
            return ConfigureResult.Fail(bindFailure, $"Data space {next.DataSpaceId} could not be bound to this instance; nothing was saved");
        }

        IReadOnlyList<Holding> copied = [];
        if (movingAway && move == DataSpaceMove.CarryOver)
        {
            var copy = await registry.CopyAsync(target, next.DataSpaceId, oldDataSpace!, next.InstanceId, ct);
            if (copy.Failure is { } copyFailure)
            {
                var undone = await UndoBindingAsync(target, next.DataSpaceId, next.InstanceId, ct);
                return ConfigureResult.Fail(copyFailure,
                    $"Copying data space {oldDataSpace} into {next.DataSpaceId} failed, so nothing was copied and the settings were not changed; {undone}");
            }

            copied = copy.Value!;
        }

        next = next with { ProjectId = bind.Value!.ProjectId };
        var saved = saver.Save(next, $"Saved. Data space '{bind.Value.Name}' ({bind.Value.Id}) is bound to this instance.");
        var message = saved.Message;
        if (copied.Count > 0)
        {
            // Per service: what it copied, or that it has not confirmed yet (the platform keeps asking it; nothing is lost,
            // the data stays in the old data space meanwhile).
            message += $" Carried over from {oldDataSpace}: " +
                       string.Join("; ", copied.Select(c => c.IsKnown ? $"{c.Name ?? c.Service} {c.Items} copied" : $"{c.Name ?? c.Service} {c.Problem}")) + ".";
        }

        string? kept = null;
        if (oldDataSpace is not null && oldDataSpace != next.DataSpaceId && oldTarget is not null)
        {
            var release = await registry.ReleaseAsync(oldTarget, oldDataSpace, current.InstanceId, ct);
            kept = release.Failure is null ? null : oldDataSpace;
            message += release.Failure is { } releaseFailure
                ? $" The previous data space {oldDataSpace} could not be released ({releaseFailure.Code}: {releaseFailure.Message}); " +
                  $"free it with `commerce-services data-spaces release --data-space {oldDataSpace} --account <acc_…>`."
                : $" The previous data space {oldDataSpace} was released" + (move == DataSpaceMove.Discard ? "; its data was left there, unused." : ".");
        }

        return saved with { Message = message, Copied = copied, PreviousDataSpaceKept = kept };
    }

    /// <summary>
    /// Saves the key pair of <paramref name="environment"/> when it is not the active environment (the production keys of
    /// a shop still on sandbox, say): checked offline, then by that environment's gateway, and stored without changing
    /// which environment is active, the data space or its binding. Nothing is saved when either check refuses.
    /// </summary>
    public async Task<ConfigureResult> SaveOtherKeysAsync(ConnectorSettings current, GatewayEnvironment environment, string? apiKey,
        string? privateKeyPem, CancellationToken ct)
    {
        var existing = current.KeysFor(environment);
        var built = GatewayCredentials.Create(environment,
            new EnvironmentKeys(apiKey ?? existing?.ApiKey ?? "", privateKeyPem ?? existing?.PrivateKeyPem ?? ""), state.Time);
        if (!built.Success)
        {
            return ConfigureResult.Invalid(built.Code!, built.Message!);
        }

        var credentials = built.Credentials!;
        var ping = await registry.PingAsync(new GatewayTarget(state.GatewayUrlOf(current, environment), credentials), ct);
        if (ping.Failure is { } refused)
        {
            return ConfigureResult.Fail(refused, $"The {environment.ToName()} gateway did not accept the key pair; nothing was saved");
        }

        // Read again just before writing, so a save that landed while the gateway was asked is kept.
        var latest = state.Settings;
        return saver.Save(latest.WithKeys(environment, new EnvironmentKeys(credentials.ApiKey, credentials.PrivateKeyPem)),
            $"Saved. The {environment.ToName()} key pair works (account {ping.Value!.AccountId}); this instance still runs in " +
            $"{state.EnvironmentOf(latest).ToName()}.");
    }

    /// <summary>After a failed carry-over: frees the new data space again, so the failure leaves nothing behind.</summary>
    private async Task<string> UndoBindingAsync(GatewayTarget target, string dataSpaceId, string instanceId, CancellationToken ct)
    {
        var release = await registry.ReleaseAsync(target, dataSpaceId, instanceId, ct);
        if (release.Failure is { } failure)
        {
            LogBindingNotUndone(logger, dataSpaceId, failure.Code);
            return $"data space {dataSpaceId} stays bound to this instance ({failure.Code}: {failure.Message}); free it with " +
                   $"`commerce-services data-spaces release --data-space {dataSpaceId} --account <acc_…>` or try the move again.";
        }

        LogBindingUndone(logger, dataSpaceId);
        return $"data space {dataSpaceId} was released again. Try the move again when the platform answers.";
    }

    [LoggerMessage(EventId = ConnectorLogEvents.BindingUndone, Level = LogLevel.Information,
        Message = "Carry-over failed; data space {DataSpaceId} was released again")]
    private static partial void LogBindingUndone(ILogger logger, string dataSpaceId);

    [LoggerMessage(EventId = ConnectorLogEvents.BindingNotUndone, Level = LogLevel.Warning,
        Message = "Carry-over failed and data space {DataSpaceId} could not be released again ({Code})")]
    private static partial void LogBindingNotUndone(ILogger logger, string dataSpaceId, string code);
}
