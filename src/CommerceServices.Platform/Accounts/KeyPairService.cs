using CommerceServices.Platform.Accounts.KeyGeneration;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Events;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Protocol.Webhooks;

namespace CommerceServices.Platform.Accounts;

/// <summary>
/// API key pairs per account and environment (R4–R7, R9, R17, R19). The private key of a pair made here exists only
/// in the answer to the call that made it. Making one is costly (an RSA-2048 key): it runs on the
/// <see cref="RsaKeyGenerator"/>'s threads, within the account's <see cref="KeyGenerationAllowance"/>; the portal and the
/// management API both come through here, so both are limited alike.
/// </summary>
public sealed class KeyPairService(PlatformDbContext db, AuditLog audit, KeyChangeFeed changes, TimeProvider time,
    RsaKeyGenerator generator, KeyGenerationAllowance allowance, EventOutbox outbox)
{
    /// <summary>The longest overlap a roll may keep the old pair for (R5 allows an explicit, bounded one).</summary>
    public static readonly TimeSpan MaximumGracePeriod = TimeSpan.FromDays(7);

    private const int MaximumAttempts = 8;

    /// <summary>Makes a new active pair; the pair active until now is retired at once (R5).</summary>
    public Task<Outcome<IssuedKeyPair>> CreateAsync(string accountId, string? environment, string? publicKeyPem, string actor,
        CancellationToken cancellationToken) =>
        IssueAsync(accountId, environment, publicKeyPem, gracePeriod: null, actor, cancellationToken);

    /// <summary>Makes a new active pair; the old one keeps working for <paramref name="gracePeriod"/>, then retires by itself (R17).</summary>
    public Task<Outcome<IssuedKeyPair>> RollAsync(string accountId, string? environment, TimeSpan gracePeriod, string? publicKeyPem,
        string actor, CancellationToken cancellationToken)
    {
        if (gracePeriod < TimeSpan.FromSeconds(1) || gracePeriod > MaximumGracePeriod)
        {
            return Task.FromResult<Outcome<IssuedKeyPair>>(new PlatformError(ProblemCodes.InvalidGracePeriod,
                $"The grace period must be between 1 second and {MaximumGracePeriod.TotalDays:0} days."));
        }

        return IssueAsync(accountId, environment, publicKeyPem, gracePeriod, actor, cancellationToken);
    }

    public async Task<Outcome<IReadOnlyList<KeyPair>>> ListAsync(string accountId, CancellationToken cancellationToken)
    {
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return AccountService.NotFound(accountId);
        }

        var keys = await db.KeyPairs.AsNoTracking().Where(k => k.AccountId == accountId)
            .OrderByDescending(k => k.CreatedAt).ThenBy(k => k.Id).ToListAsync(cancellationToken);
        return keys;
    }

    /// <summary>Revokes a pair at once (delete in the portal). Revoking a revoked pair is harmless.</summary>
    public async Task<Outcome<KeyPair>> RevokeAsync(string accountId, string? apiKey, string actor, CancellationToken cancellationToken)
    {
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return AccountService.NotFound(accountId);
        }

        // A key of another account answers exactly as one that does not exist.
        var key = await db.KeyPairs.FirstOrDefaultAsync(k => k.ApiKey == apiKey && k.AccountId == accountId, cancellationToken);
        if (key is null)
        {
            return new PlatformError(ProblemCodes.KeyNotFound, $"Account '{accountId}' has no API key '{apiKey}'.");
        }

        if (key.RevokedAt is null)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var now = time.GetUtcNow();
            key.RevokedAt = now;
            key.ActiveSlot = null;
            audit.Record(accountId, AuditActions.KeyRevoked, actor, key.ApiKey, "deleted");
            await outbox.AddAsync(WebhookEventTypes.KeyRevoked, accountId, key.Environment.ToName(), null, key.Id, KeyPairView.Of(key, now), now, cancellationToken: cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await changes.NotifyOtherNodesAsync(db, key.ApiKey, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            changes.Publish(key.ApiKey);
        }

        return key;
    }

    private async Task<Outcome<IssuedKeyPair>> IssueAsync(string accountId, string? environmentName, string? publicKeyPem,
        TimeSpan? gracePeriod, string actor, CancellationToken cancellationToken)
    {
        if (!GatewayEnvironments.TryParse(environmentName, out var environment))
        {
            return new PlatformError(ProblemCodes.InvalidEnvironment,
                $"'{environmentName}' is not an environment; use 'sandbox' or 'production'.");
        }

        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return AccountService.NotFound(accountId);
        }

        KeyMaterial material;
        if (publicKeyPem is null)
        {
            var generated = await GenerateAsync(accountId, cancellationToken);
            if (generated.Error is { } refusal)
            {
                return refusal;
            }

            material = KeyMaterial.Of(generated.Value!);
        }
        else
        {
            material = KeyMaterial.Read(publicKeyPem);
        }

        if (material.Error is not null)
        {
            return new PlatformError(ProblemCodes.MalformedPublicKey, material.Error);
        }

        if (await db.KeyPairs.AnyAsync(k => k.PublicKeyFingerprint == material.Fingerprint, cancellationToken))
        {
            return PublicKeyInUse();
        }

        var slot = KeyPair.SlotOf(accountId, environment);
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var issued = new KeyPair
            {
                Id = Ids.New("key"),
                AccountId = accountId,
                Environment = environment,
                ApiKey = ApiKeyFormat.Generate(environment),
                PublicKeyPem = material.PublicKeyPem!,
                PublicKeyFingerprint = material.Fingerprint,
                Origin = material.PrivateKeyPem is null ? KeyOrigin.Uploaded : KeyOrigin.Platform,
                CreatedAt = now,
                ActiveSlot = slot,
            };

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            try
            {
                var previous = await db.KeyPairs.FirstOrDefaultAsync(k => k.ActiveSlot == slot, cancellationToken);
                if (previous is not null)
                {
                    previous.ActiveSlot = null;
                    if (gracePeriod is { } grace)
                    {
                        previous.ExpiresAt = now + grace;
                        audit.Record(accountId, AuditActions.KeyRolled, actor, previous.ApiKey,
                            $"replaced by {issued.ApiKey}; works until {previous.ExpiresAt:yyyy-MM-dd HH:mm:ss}Z");
                        await outbox.AddAsync(WebhookEventTypes.KeyRolled, accountId, environment.ToName(), null, previous.Id, KeyPairView.Of(previous, now), now, cancellationToken: cancellationToken);
                    }
                    else
                    {
                        previous.RevokedAt = now;
                        audit.Record(accountId, AuditActions.KeyRevoked, actor, previous.ApiKey, $"replaced by {issued.ApiKey}");
                        await outbox.AddAsync(WebhookEventTypes.KeyRevoked, accountId, environment.ToName(), null, previous.Id, KeyPairView.Of(previous, now), now, cancellationToken: cancellationToken);
                    }

                    // Free the slot before taking it, so the unique index sees one active pair at every step.
                    await db.SaveChangesAsync(cancellationToken);
                }

                db.KeyPairs.Add(issued);
                audit.Record(accountId, issued.Origin == KeyOrigin.Uploaded ? AuditActions.KeyUploaded : AuditActions.KeyCreated,
                    actor, issued.ApiKey, environment.ToName());
                await outbox.AddAsync(WebhookEventTypes.KeyCreated, accountId, environment.ToName(), null, issued.Id, KeyPairView.Of(issued, now), now, cancellationToken: cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
                if (previous is not null)
                {
                    await changes.NotifyOtherNodesAsync(db, previous.ApiKey, cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                if (previous is not null)
                {
                    changes.Publish(previous.ApiKey);
                }

                return new IssuedKeyPair(issued, material.PrivateKeyPem, previous);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation() && attempt < MaximumAttempts)
            {
                // Another create for the same account and environment committed first: retire its pair instead.
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                if (await db.KeyPairs.AnyAsync(k => k.PublicKeyFingerprint == material.Fingerprint, cancellationToken))
                {
                    return PublicKeyInUse(); // the same public key was uploaded at the same time, by this account or another
                }
            }
        }
    }

    /// <summary>
    /// A new key pair, made off the request's thread: refused with 429 <c>rate_limited</c> when the account has used its
    /// allowance, and with 503 <c>key_generation_busy</c> when the node's queue is full (the account is within its
    /// limit: the node is busy with other accounts' keys, so this is the server's condition, not the client's).
    /// </summary>
    private async Task<Outcome<GeneratedKeyPair>> GenerateAsync(string accountId, CancellationToken cancellationToken)
    {
        if (!allowance.TryTake(accountId, out var retryAfter))
        {
            return new PlatformError(ProblemCodes.RateLimited,
                $"This account asked for more new key pairs than its limit allows; try again in {Seconds(retryAfter)} seconds. " +
                "Uploading a public key you made yourself is not limited.") { RetryAfter = retryAfter };
        }

        var generation = generator.TryGenerate(cancellationToken);
        if (generation is null)
        {
            allowance.Return(accountId);
            var wait = generator.EstimatedWait;
            return new PlatformError(ProblemCodes.KeyGenerationBusy,
                $"The platform is busy making other key pairs; try again in {Seconds(wait)} seconds.") { RetryAfter = wait };
        }

        return await generation;
    }

    private static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    /// <summary>
    /// One public key, one pair: a key registered once, for any account or environment, even revoked since,
    /// is never registered again, so a token signed for one pair can never pass with another pair's API key (a sandbox
    /// token replayed on the production gateway, say). It answers the same for every account: it says nothing of whose.
    /// </summary>
    private static PlatformError PublicKeyInUse() => new(ProblemCodes.PublicKeyInUse,
        "This public key is already registered for a key pair. Each pair needs its own key: generate a new key pair on the " +
        "instance (the connector's bring-your-own-key does) and upload its public key.");

    /// <summary>The public key to register and, when the platform made the pair, the private key to hand out once.</summary>
    private readonly record struct KeyMaterial(string? PublicKeyPem, string? PrivateKeyPem, string? Error, string? Fingerprint = null)
    {
        public static KeyMaterial Of(GeneratedKeyPair generated) =>
            new(generated.PublicKeyPem, generated.PrivateKeyPem, null, generated.Fingerprint);

        public static KeyMaterial Read(string uploadedPublicKeyPem)
        {
            var read = RsaPem.ReadPublicKey(uploadedPublicKeyPem);
            if (!read.Success)
            {
                return new KeyMaterial(null, null, read.Error);
            }

            using var key = read.Key!;
            if (read.IsPrivate)
            {
                // Keep the promise that the platform never holds a private key, even one sent by mistake.
                return new KeyMaterial(null, null, "That is a private key: upload only the public key (BEGIN PUBLIC KEY).");
            }

            return new KeyMaterial(RsaPem.ExportPublicKey(key), null, null, KeyFingerprints.Of(key));
        }
    }
}

/// <summary>A new pair: its record, its private key when the platform made it (shown once), and the pair it replaced.</summary>
public sealed record IssuedKeyPair(KeyPair Key, string? PrivateKeyPem, KeyPair? Previous);
