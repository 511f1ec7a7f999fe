using System.Security.Cryptography;
using CommerceServices.Platform.Data;

namespace CommerceServices.Platform.Accounts;

/// <summary>
/// The fingerprint that makes a public key registrable once (<c>public_key_in_use</c>): the SHA-256 of its
/// SubjectPublicKeyInfo, in lowercase hex. The same key pasted as PKCS#1 or SPKI PEM, with any line breaks, has one
/// fingerprint.
/// </summary>
public static partial class KeyFingerprints
{
    public static string Of(string publicKeyPem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(publicKeyPem);
        return Of(rsa);
    }

    public static string Of(RSA rsa) => Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()));

    /// <summary>
    /// Gives keys registered before fingerprints existed theirs, oldest first. Should two old pairs share a public key
    /// (which the platform did not refuse then), the oldest gets the fingerprint and a warning names the others; new
    /// uploads of that key are refused either way.
    /// </summary>
    public static async Task BackfillAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        await BackfillAsync(scope.ServiceProvider.GetRequiredService<PlatformDbContext>(),
            scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(KeyFingerprints).FullName!), cancellationToken);
    }

    /// <inheritdoc cref="BackfillAsync(IServiceProvider, CancellationToken)"/>
    public static async Task BackfillAsync(PlatformDbContext db, ILogger logger, CancellationToken cancellationToken = default)
    {
        var missing = await db.KeyPairs.Where(k => k.PublicKeyFingerprint == null).OrderBy(k => k.CreatedAt).ThenBy(k => k.Id)
            .ToListAsync(cancellationToken);
        if (missing.Count == 0)
        {
            return;
        }

        var taken = (await db.KeyPairs.Where(k => k.PublicKeyFingerprint != null).Select(k => k.PublicKeyFingerprint!).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var key in missing)
        {
            string fingerprint;
            try
            {
                fingerprint = Of(key.PublicKeyPem);
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                LogUnreadable(logger, key.Id);
                continue;
            }

            if (taken.Add(fingerprint))
            {
                key.PublicKeyFingerprint = fingerprint;
            }
            else
            {
                LogShared(logger, key.Id);
            }
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // Another node starting at the same time filled them in first.
        }
    }

    [LoggerMessage(EventId = 1111, EventName = "KeyFingerprintUnreadable", Level = LogLevel.Warning,
        Message = "Key pair {KeyPairId} has a public key that cannot be read; it gets no fingerprint.")]
    private static partial void LogUnreadable(ILogger logger, string keyPairId);

    [LoggerMessage(EventId = 1112, EventName = "KeyFingerprintShared", Level = LogLevel.Warning,
        Message = "Key pair {KeyPairId} shares its public key with an older pair; only the older one keeps the fingerprint.")]
    private static partial void LogShared(ILogger logger, string keyPairId);
}
