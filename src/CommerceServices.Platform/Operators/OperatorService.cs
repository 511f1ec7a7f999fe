using System.Security.Cryptography;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Portal.Users;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Operators;

/// <summary>
/// Operator users: invitations with a role, setting a password, sign-in with the portal's protections (PBKDF2 hashes,
/// lockout after <see cref="UserService.FailuresBeforeLockout"/> failures, the same answer for unknown emails, security
/// stamps), and the second factor: TOTP enrolment with recovery codes, and its check at sign-in. Used by the console's
/// pages and the management API alike; every change is in the audit log under the acting operator's name.
/// </summary>
public sealed class OperatorService(
    PlatformDbContext db,
    AuditLog audit,
    IPasswordHasher<OperatorUser> hasher,
    SignInFailures unknownEmailFailures,
    IDataProtectionProvider protection,
    IOptions<OperatorOptions> options,
    TimeProvider time)
{
    public const int RecoveryCodeCount = 10;

    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<OperatorUser>().HashPassword(null!, "not a password of anyone"));

    private IDataProtector Secrets => protection.CreateProtector("CommerceServices.Platform.Operators.Totp");

    /// <summary>Makes a one-time link for <paramref name="email"/> to become an operator with <paramref name="role"/>.</summary>
    public async Task<Outcome<IssuedOperatorInvitation>> InviteAsync(string? email, string? role, string actor, CancellationToken cancellationToken)
    {
        if (UserService.NormalizeEmail(email) is not { } normalized)
        {
            return new PlatformError(ProblemCodes.InvalidRequest, "'email' must be an email address such as ops@example.com.");
        }

        if (!OperatorRoles.TryParse(role, out var parsed))
        {
            return new PlatformError(ProblemCodes.InvalidRole, $"'{role}' is not a role; use 'admin' (changes everything) or 'support' (reads everything, changes nothing).");
        }

        if (await db.Set<OperatorUser>().AnyAsync(o => o.Email == normalized, cancellationToken))
        {
            return new PlatformError(ProblemCodes.OperatorExists, $"'{normalized}' is an operator already.");
        }

        var secret = UserService.NewSecret();
        var now = time.GetUtcNow();
        var invitation = new OperatorInvitation
        {
            Id = Ids.New("opi"),
            Email = normalized,
            Role = parsed,
            TokenHash = UserService.Hash(secret),
            InvitedBy = actor,
            CreatedAt = now,
            ExpiresAt = now + options.Value.InvitationLifetime,
        };
        db.Set<OperatorInvitation>().Add(invitation);
        audit.Record(AuditLog.PlatformAccountId, OperatorAuditActions.Invited, actor, detail: $"{normalized} as {parsed.ToName()}", subject: normalized);
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedOperatorInvitation(invitation, secret);
    }

    /// <summary>The invitation a link names, when it can still be used.</summary>
    public async Task<OperatorInvitation?> FindInvitationAsync(string? secret, CancellationToken cancellationToken)
    {
        var hash = UserService.Hash(secret ?? "");
        var invitation = await db.Set<OperatorInvitation>().AsNoTracking().FirstOrDefaultAsync(i => i.TokenHash == hash, cancellationToken);
        return invitation is null || invitation.AcceptedAt is not null || invitation.ExpiresAt <= time.GetUtcNow() ? null : invitation;
    }

    /// <summary>Sets the password of an invited person and makes them an operator. The link works once.</summary>
    public async Task<Outcome<OperatorUser>> AcceptInvitationAsync(string? secret, string? password, CancellationToken cancellationToken)
    {
        var hash = UserService.Hash(secret ?? "");
        var invited = await db.Set<OperatorInvitation>().AsNoTracking().Where(i => i.TokenHash == hash).Select(i => i.Email)
            .FirstOrDefaultAsync(cancellationToken);
        if (PasswordRules.Check(password, invited, accountName: null) is { } weak)
        {
            return weak;
        }

        var now = time.GetUtcNow();
        var claimed = await db.Set<OperatorInvitation>()
            .Where(i => i.TokenHash == hash && i.AcceptedAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.AcceptedAt, now), cancellationToken);
        if (claimed != 1)
        {
            return new PlatformError(ProblemCodes.InvalidInvitation, "This invitation link was used already or has expired. Ask an admin for a new one.");
        }

        var invitation = await db.Set<OperatorInvitation>().AsNoTracking().SingleAsync(i => i.TokenHash == hash, cancellationToken);
        var user = new OperatorUser
        {
            Id = Ids.New("opr"),
            Email = invitation.Email,
            Role = invitation.Role,
            PasswordHash = "",
            SecurityStamp = UserService.NewSecret(),
            CreatedAt = now,
        };
        user.PasswordHash = hasher.HashPassword(user, password!);
        db.Set<OperatorUser>().Add(user);
        audit.Record(AuditLog.PlatformAccountId, OperatorAuditActions.Joined, user.Actor, detail: $"{user.Email} as {user.Role.ToName()}", subject: user.Email);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return new PlatformError(ProblemCodes.OperatorExists, $"'{invitation.Email}' is an operator already; sign in instead.");
        }

        return user;
    }

    /// <summary>
    /// The first step of sign-in: email and password. The refusal is the same whether or not the email exists, and
    /// failures lock the email as on the portal. Success does not sign in yet when a second factor is due
    /// (<see cref="OperatorUser.TotpSecret"/> set, or an admin who must enrol).
    /// </summary>
    public async Task<Outcome<OperatorUser>> CheckPasswordAsync(string? email, string? password, CancellationToken cancellationToken)
    {
        var normalized = UserService.NormalizeEmail(email) ?? (email ?? "").Trim().ToLowerInvariant();
        var now = time.GetUtcNow();
        var user = await db.Set<OperatorUser>().FirstOrDefaultAsync(o => o.Email == normalized, cancellationToken);
        if (user is null || user.DisabledAt is not null)
        {
            hasher.VerifyHashedPassword(null!, DummyHash.Value, password ?? "");
            var lockedUntil = unknownEmailFailures.Fail("operator:" + normalized, now);
            return lockedUntil is { } until ? Locked(until) : InvalidCredentials();
        }

        if (await ReserveAttemptAsync(user, now, password ?? "", cancellationToken) is { } locked)
        {
            return locked;
        }

        var verified = hasher.VerifyHashedPassword(user, user.PasswordHash, password ?? "");
        if (verified == PasswordVerificationResult.Failed)
        {
            return await FailAsync(user, now, InvalidCredentials(), cancellationToken);
        }

        if (verified == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password!);
        }

        if (user.TotpSecret is null)
        {
            return await SucceedAsync(user, now, "password", cancellationToken) ?? (Outcome<OperatorUser>)user;
        }

        // A right password is not a failure, but it does not wipe out failed codes either (that would let a holder of the
        // password try codes without end): this attempt alone is taken back; the second factor then counts its own.
        await db.Set<OperatorUser>().Where(o => o.Id == user.Id && o.FailedSignIns > 0)
            .ExecuteUpdateAsync(u => u.SetProperty(o => o.FailedSignIns, o => o.FailedSignIns - 1), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>
    /// The second step: an authenticator code (each accepted once) or an unused recovery code, for the operator who passed
    /// the first step with <paramref name="stamp"/>. Wrong codes count towards the same lockout as wrong passwords.
    /// </summary>
    public async Task<Outcome<OperatorUser>> CheckSecondFactorAsync(string operatorId, string stamp, string? code, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var user = await db.Set<OperatorUser>().FirstOrDefaultAsync(o => o.Id == operatorId, cancellationToken);
        if (user is null || user.DisabledAt is not null || user.SecurityStamp != stamp || user.TotpSecret is null)
        {
            return new PlatformError(ProblemCodes.InvalidCredentials, "Sign in again with your email and password.");
        }

        if (await ReserveAttemptAsync(user, now, typedSecret: null, cancellationToken) is { } locked)
        {
            return locked;
        }

        var typed = (code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Trim().ToLowerInvariant();
        if (typed.Length == Totp.Digits && Totp.Verify(Secrets.Unprotect(user.TotpSecret), typed, now, user.LastTotpStep) is { } step)
        {
            // Each code once, also against a second request with the same code at the same moment: the step moves on
            // only from an older one, in one conditional update.
            var first = await db.Set<OperatorUser>()
                .Where(o => o.Id == user.Id && (o.LastTotpStep == null || o.LastTotpStep < step))
                .ExecuteUpdateAsync(u => u.SetProperty(o => o.LastTotpStep, step), cancellationToken);
            if (first == 1)
            {
                return await SucceedAsync(user, now, "authenticator code", cancellationToken) ?? (Outcome<OperatorUser>)user;
            }
        }

        if (typed.Length > Totp.Digits)
        {
            var hash = UserService.Hash(typed);
            var used = await db.Set<OperatorRecoveryCode>()
                .Where(c => c.OperatorId == user.Id && c.CodeHash == hash && c.UsedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.UsedAt, now), cancellationToken);
            if (used == 1)
            {
                var left = await db.Set<OperatorRecoveryCode>().CountAsync(c => c.OperatorId == user.Id && c.UsedAt == null, cancellationToken);
                audit.Record(AuditLog.PlatformAccountId, OperatorAuditActions.RecoveryCodeUsed, user.Actor, detail: $"{left} left", subject: user.Email);
                return await SucceedAsync(user, now, "recovery code", cancellationToken) ?? (Outcome<OperatorUser>)user;
            }
        }

        return await FailAsync(user, now, new PlatformError(ProblemCodes.InvalidTotpCode,
            "That code is not right. Type the 6 digits your authenticator app shows now, or one of your recovery codes."), cancellationToken);
    }

    /// <summary>
    /// The secret being enrolled (made on first call, kept until confirmed), as Base32 text and as the
    /// <c>otpauth://</c> URI the QR code carries.
    /// </summary>
    public async Task<Outcome<TotpEnrolment>> BeginEnrolmentAsync(string operatorId, CancellationToken cancellationToken)
    {
        var user = await db.Set<OperatorUser>().FirstOrDefaultAsync(o => o.Id == operatorId, cancellationToken);
        if (user is null)
        {
            return NotFound(operatorId);
        }

        byte[] secret;
        if (user.PendingTotpSecret is null)
        {
            secret = RandomNumberGenerator.GetBytes(Totp.SecretBytes);
            user.PendingTotpSecret = Secrets.Protect(Convert.ToBase64String(secret));
            await db.SaveChangesAsync(cancellationToken);
        }
        else
        {
            secret = Convert.FromBase64String(Secrets.Unprotect(user.PendingTotpSecret));
        }

        return new TotpEnrolment(Totp.Base32(secret), Totp.Uri(options.Value.TotpIssuer, user.Email, secret));
    }

    /// <summary>
    /// Confirms enrolment with a first code from the app: the pending secret becomes the operator's, ten recovery codes are
    /// made (returned here only, stored as hashes), and every other session ends (the security stamp changes).
    /// </summary>
    public async Task<Outcome<(OperatorUser User, IReadOnlyList<string> RecoveryCodes)>> ConfirmEnrolmentAsync(string operatorId, string? code,
        CancellationToken cancellationToken)
    {
        var user = await db.Set<OperatorUser>().FirstOrDefaultAsync(o => o.Id == operatorId, cancellationToken);
        if (user?.PendingTotpSecret is null)
        {
            return new PlatformError(ProblemCodes.InvalidTotpCode, "Start the enrolment again: there is no secret waiting to be confirmed.");
        }

        var now = time.GetUtcNow();
        var secret = Convert.FromBase64String(Secrets.Unprotect(user.PendingTotpSecret));
        var typed = (code ?? "").Replace(" ", "", StringComparison.Ordinal).Trim();
        if (Totp.Verify(Convert.ToBase64String(secret), typed, now, null) is not { } step)
        {
            return new PlatformError(ProblemCodes.InvalidTotpCode,
                "That code is not right. Check that the app added the account, that this device's clock is right, and type the code it shows now.");
        }

        user.TotpSecret = Secrets.Protect(Convert.ToBase64String(secret));
        user.PendingTotpSecret = null;
        user.LastTotpStep = step;
        user.SecurityStamp = UserService.NewSecret();
        await db.Set<OperatorRecoveryCode>().Where(c => c.OperatorId == user.Id).ExecuteDeleteAsync(cancellationToken);
        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => NewRecoveryCode()).ToList();
        foreach (var recovery in codes)
        {
            db.Set<OperatorRecoveryCode>().Add(new OperatorRecoveryCode { OperatorId = user.Id, CodeHash = UserService.Hash(recovery.Replace("-", "", StringComparison.Ordinal)) });
        }

        audit.Record(AuditLog.PlatformAccountId, OperatorAuditActions.TotpEnrolled, user.Actor, detail: $"{RecoveryCodeCount} recovery codes made", subject: user.Email);
        await db.SaveChangesAsync(cancellationToken);
        return (user, codes);
    }

    public async Task<IReadOnlyList<OperatorUser>> ListAsync(CancellationToken cancellationToken) =>
        await db.Set<OperatorUser>().AsNoTracking().OrderBy(o => o.Email).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<OperatorInvitation>> PendingInvitationsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.Set<OperatorInvitation>().AsNoTracking().Where(i => i.AcceptedAt == null && i.ExpiresAt > now)
            .OrderBy(i => i.Email).ToListAsync(cancellationToken);
    }

    public async Task<OperatorUser?> FindAsync(string operatorId, CancellationToken cancellationToken) =>
        await db.Set<OperatorUser>().AsNoTracking().FirstOrDefaultAsync(o => o.Id == operatorId, cancellationToken);

    /// <summary>Removes an operator: sign-in stops and every session ends at its next request. The record stays for the audit.</summary>
    public async Task<Outcome<OperatorUser>> DisableAsync(string operatorId, string actor, CancellationToken cancellationToken)
    {
        var user = await db.Set<OperatorUser>().FirstOrDefaultAsync(o => o.Id == operatorId, cancellationToken);
        if (user is null)
        {
            return NotFound(operatorId);
        }

        if (user.DisabledAt is null)
        {
            user.DisabledAt = time.GetUtcNow();
            user.SecurityStamp = UserService.NewSecret();
            audit.Record(AuditLog.PlatformAccountId, OperatorAuditActions.Disabled, actor, detail: user.Email, subject: user.Email);
            await db.SaveChangesAsync(cancellationToken);
        }

        return user;
    }

    /// <summary>
    /// Forgets an operator's authenticator and recovery codes (a lost phone): an admin enrols again at the next sign-in.
    /// </summary>
    public async Task<Outcome<OperatorUser>> ResetSecondFactorAsync(string operatorId, string actor, CancellationToken cancellationToken)
    {
        var user = await db.Set<OperatorUser>().FirstOrDefaultAsync(o => o.Id == operatorId, cancellationToken);
        if (user is null)
        {
            return NotFound(operatorId);
        }

        user.TotpSecret = null;
        user.PendingTotpSecret = null;
        user.LastTotpStep = null;
        user.SecurityStamp = UserService.NewSecret();
        await db.Set<OperatorRecoveryCode>().Where(c => c.OperatorId == user.Id).ExecuteDeleteAsync(cancellationToken);
        audit.Record(AuditLog.PlatformAccountId, OperatorAuditActions.TotpReset, actor, detail: user.Email, subject: user.Email);
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>Ends every session of the operator (sign-out signs out everywhere).</summary>
    public async Task SignOutAsync(string operatorId, CancellationToken cancellationToken)
    {
        var user = await db.Set<OperatorUser>().FirstOrDefaultAsync(o => o.Id == operatorId, cancellationToken);
        if (user is not null)
        {
            user.SecurityStamp = UserService.NewSecret();
            audit.Record(AuditLog.PlatformAccountId, OperatorAuditActions.SignedOut, user.Actor, subject: user.Email);
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>The stamp a session must carry, or null when the operator is gone or disabled. One indexed read.</summary>
    public Task<string?> SecurityStampOfAsync(string operatorId, CancellationToken cancellationToken) =>
        db.Set<OperatorUser>().Where(o => o.Id == operatorId && o.DisabledAt == null).Select(o => o.SecurityStamp).FirstOrDefaultAsync(cancellationToken);

    public Task<int> RecoveryCodesLeftAsync(string operatorId, CancellationToken cancellationToken) =>
        db.Set<OperatorRecoveryCode>().CountAsync(c => c.OperatorId == operatorId && c.UsedAt == null, cancellationToken);

    /// <summary>
    /// Counts one attempt (a password or a code) in the database before it is checked, with one conditional update, so
    /// attempts made in parallel cannot check more than <see cref="UserService.FailuresBeforeLockout"/> secrets before the
    /// lockout (a count read, incremented in memory and written back would lose updates) — as the portal's sign-in does.
    /// Null when the attempt may go on; the lockout otherwise. A locked operator's password attempt costs the same
    /// password-hash time as an unknown email's, so the time of the answer does not tell which emails are operators.
    /// </summary>
    private async Task<PlatformError?> ReserveAttemptAsync(OperatorUser user, DateTimeOffset now, string? typedSecret, CancellationToken cancellationToken)
    {
        var operators = db.Set<OperatorUser>();
        if (user.LockedUntil is { } lockedUntil && lockedUntil > now)
        {
            SpendAPasswordCheck(typedSecret);
            return Locked(lockedUntil);
        }

        var reserved = await operators
            .Where(o => o.Id == user.Id && o.FailedSignIns < UserService.FailuresBeforeLockout && (o.LockedUntil == null || o.LockedUntil <= now))
            .ExecuteUpdateAsync(u => u.SetProperty(o => o.FailedSignIns, o => o.FailedSignIns + 1), cancellationToken);
        if (reserved == 0)
        {
            SpendAPasswordCheck(typedSecret);
            return Locked(await LockedUntilAsync(user.Id, now, cancellationToken));
        }

        return null;
    }

    private void SpendAPasswordCheck(string? typedSecret)
    {
        if (typedSecret is not null)
        {
            hasher.VerifyHashedPassword(null!, DummyHash.Value, typedSecret);
        }
    }

    /// <summary>
    /// The right secret: the count starts again, unless attempts made meanwhile have locked the operator (then the
    /// lockout, returned). Null on success.
    /// </summary>
    private async Task<PlatformError?> SucceedAsync(OperatorUser user, DateTimeOffset now, string how, CancellationToken cancellationToken)
    {
        var accepted = await db.Set<OperatorUser>()
            .Where(o => o.Id == user.Id && (o.LockedUntil == null || o.LockedUntil <= now))
            .ExecuteUpdateAsync(u => u.SetProperty(o => o.FailedSignIns, 0).SetProperty(o => o.LockedUntil, (DateTimeOffset?)null), cancellationToken);
        if (accepted == 0)
        {
            return Locked(await LockedUntilAsync(user.Id, now, cancellationToken));
        }

        user.LastSignInAt = now;
        audit.Record(AuditLog.PlatformAccountId, OperatorAuditActions.SignedIn, user.Actor, detail: $"with {how}", subject: user.Email);
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    /// <summary>A wrong secret: the attempt stays counted, and the failure that reaches the limit locks the operator.</summary>
    private async Task<PlatformError> FailAsync(OperatorUser user, DateTimeOffset now, PlatformError error, CancellationToken cancellationToken)
    {
        var until = now + UserService.LockoutDuration;
        var locked = await db.Set<OperatorUser>()
            .Where(o => o.Id == user.Id && o.FailedSignIns >= UserService.FailuresBeforeLockout && (o.LockedUntil == null || o.LockedUntil <= now))
            .ExecuteUpdateAsync(u => u.SetProperty(o => o.LockedUntil, until).SetProperty(o => o.FailedSignIns, 0), cancellationToken);
        if (locked == 0)
        {
            return error;
        }

        audit.Record(AuditLog.PlatformAccountId, OperatorAuditActions.LockedOut, user.Actor, detail: $"until {until:O}", subject: user.Email);
        await db.SaveChangesAsync(cancellationToken);
        return Locked(until);
    }

    /// <summary>When an operator's lockout ends; for attempts still being checked when it began, a full lockout from now.</summary>
    private async Task<DateTimeOffset> LockedUntilAsync(string operatorId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.Set<OperatorUser>().Where(o => o.Id == operatorId).Select(o => o.LockedUntil).FirstOrDefaultAsync(cancellationToken) is { } until && until > now
            ? until
            : now + UserService.LockoutDuration;

    /// <summary>Ten characters of an unambiguous alphabet, shown as two groups of five: about 50 bits each.</summary>
    private static string NewRecoveryCode()
    {
        var chars = RandomNumberGenerator.GetItems<char>("abcdefghjkmnpqrstuvwxyz23456789", 10);
        return $"{new string(chars, 0, 5)}-{new string(chars, 5, 5)}";
    }

    private static PlatformError NotFound(string operatorId) => new(ProblemCodes.OperatorNotFound, $"There is no operator '{operatorId}'.");

    private static PlatformError InvalidCredentials() =>
        new(ProblemCodes.InvalidCredentials, "That email and password do not match. Check both and try again.");

    private static PlatformError Locked(DateTimeOffset until) =>
        new(ProblemCodes.SignInLocked,
            $"Sign-in for this email is locked after {UserService.FailuresBeforeLockout} failed attempts in a row. Try again after {until:HH:mm} UTC.");
}

/// <summary>An invitation and the secret of its link (the only place the secret exists).</summary>
public sealed record IssuedOperatorInvitation(OperatorInvitation Invitation, string Secret);

/// <summary>What enrolment shows: the secret as text (for people who cannot scan) and the URI the QR code carries.</summary>
public sealed record TotpEnrolment(string SecretText, string OtpAuthUri);

public static class OperatorAuditActions
{
    public const string Invited = "operator.invited";
    public const string Joined = "operator.joined";
    public const string SignedIn = "operator.signed_in";
    public const string SignedOut = "operator.signed_out";
    public const string LockedOut = "operator.locked_out";
    public const string TotpEnrolled = "operator.totp_enrolled";
    public const string TotpReset = "operator.totp_reset";
    public const string RecoveryCodeUsed = "operator.recovery_code_used";
    public const string Disabled = "operator.disabled";
    public const string AuditExported = "audit.exported";
}
