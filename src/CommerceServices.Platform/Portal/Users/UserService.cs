using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Portal.Users;

/// <summary>
/// Portal users: invitations, setting a password, sign-up, sign-in with lockout, and ending sessions. Used by the
/// portal pages, the management API and (through it) the CLI.
/// </summary>
public sealed class UserService(
    PlatformDbContext db,
    AccountService accounts,
    AuditLog audit,
    IPasswordHasher<PortalUser> hasher,
    SignInFailures unknownEmailFailures,
    IOptions<PortalOptions> options,
    TimeProvider time)
{
    public const int FailuresBeforeLockout = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    // Verified against when the email is unknown, so an unknown email costs the same time as a wrong password.
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<PortalUser>().HashPassword(null!, "not a password of anyone"));

    /// <summary>Makes a one-time link for <paramref name="email"/> to become a user of the account.</summary>
    public async Task<Outcome<IssuedInvitation>> InviteAsync(string accountId, string? email, string actor, CancellationToken cancellationToken)
    {
        if (NormalizeEmail(email) is not { } normalized)
        {
            return InvalidEmail();
        }

        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return AccountService.NotFound(accountId);
        }

        if (await db.Set<PortalUser>().AnyAsync(u => u.Email == normalized, cancellationToken))
        {
            return new PlatformError(ProblemCodes.UserExists,
                $"'{normalized}' is a portal user already; they sign in with their password (or ask the operator to reset it).");
        }

        var secret = NewSecret();
        var now = time.GetUtcNow();
        var invitation = new Invitation
        {
            Id = Ids.New("inv"),
            AccountId = accountId,
            Email = normalized,
            TokenHash = Hash(secret),
            CreatedAt = now,
            ExpiresAt = now + options.Value.InvitationLifetime,
        };
        db.Set<Invitation>().Add(invitation);
        audit.Record(accountId, PortalAuditActions.UserInvited, actor, detail: normalized);
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedInvitation(invitation, secret);
    }

    /// <summary>The invitation a link names, when it can still be used.</summary>
    public async Task<Outcome<Invitation>> FindInvitationAsync(string? secret, CancellationToken cancellationToken)
    {
        var hash = Hash(secret ?? "");
        var invitation = await db.Set<Invitation>().AsNoTracking().FirstOrDefaultAsync(i => i.TokenHash == hash, cancellationToken);
        return invitation is null || invitation.AcceptedAt is not null || invitation.ExpiresAt <= time.GetUtcNow()
            ? InvalidInvitation()
            : invitation;
    }

    /// <summary>Sets the password of an invited person and makes them a user. The link works once.</summary>
    public async Task<Outcome<PortalUser>> AcceptInvitationAsync(string? secret, string? password, CancellationToken cancellationToken)
    {
        var found = await FindInvitationAsync(secret, cancellationToken);
        if (found.Error is { } invalid)
        {
            return invalid;
        }

        if (PasswordRules.Check(password, found.Value!.Email, await AccountNameAsync(found.Value.AccountId, cancellationToken)) is { } weak)
        {
            return weak;
        }

        var hash = Hash(secret ?? "");
        var now = time.GetUtcNow();
        // Conditional update: of two submissions of the same link, exactly one wins.
        var claimed = await db.Set<Invitation>()
            .Where(i => i.TokenHash == hash && i.AcceptedAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.AcceptedAt, now), cancellationToken);
        if (claimed != 1)
        {
            return InvalidInvitation();
        }

        var invitation = await db.Set<Invitation>().AsNoTracking().SingleAsync(i => i.TokenHash == hash, cancellationToken);
        var user = NewUser(invitation.AccountId, invitation.Email, password!, now);
        db.Set<PortalUser>().Add(user);
        audit.Record(invitation.AccountId, PortalAuditActions.UserJoined, invitation.Email, detail: invitation.Email);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return new PlatformError(ProblemCodes.UserExists, $"'{invitation.Email}' is a portal user already; sign in instead.");
        }

        return user;
    }

    /// <summary>Creates an account with its first user (only when <c>Portal:AllowSignUp</c> is on).</summary>
    public async Task<Outcome<PortalUser>> SignUpAsync(string? email, string? accountName, string? password, CancellationToken cancellationToken)
    {
        if (!options.Value.AllowSignUp)
        {
            return new PlatformError(ProblemCodes.SignUpDisabled, "This platform does not take sign-ups; ask its operator for an invitation.");
        }

        if (NormalizeEmail(email) is not { } normalized)
        {
            return InvalidEmail();
        }

        if (PasswordRules.Check(password, normalized, accountName) is { } weak)
        {
            return weak;
        }

        if (await db.Set<PortalUser>().AnyAsync(u => u.Email == normalized, cancellationToken))
        {
            return UserExists(normalized);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await accounts.CreateAsync(normalized, accountName, normalized, cancellationToken);
        if (account.Error is { } error)
        {
            return error.Code == ProblemCodes.AccountExists ? UserExists(normalized) : error;
        }

        var user = NewUser(account.Value!.Id, normalized, password!, time.GetUtcNow());
        db.Set<PortalUser>().Add(user);
        audit.Record(user.AccountId, PortalAuditActions.UserJoined, normalized, detail: "signed up");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return UserExists(normalized);
        }

        await transaction.CommitAsync(cancellationToken);
        return user;
    }

    /// <summary>
    /// Checks an email and password. The refusal is the same whether or not the email exists, and costs the same time;
    /// after <see cref="FailuresBeforeLockout"/> failures in a row the email is locked for <see cref="LockoutDuration"/>.
    /// </summary>
    public async Task<Outcome<PortalUser>> SignInAsync(string? email, string? password, CancellationToken cancellationToken)
    {
        var normalized = NormalizeEmail(email) ?? (email ?? "").Trim().ToLowerInvariant();
        var now = time.GetUtcNow();
        var user = await db.Set<PortalUser>().FirstOrDefaultAsync(u => u.Email == normalized, cancellationToken);
        if (user is null)
        {
            // Unknown emails lock too (in memory), so the lockout message does not tell which emails exist.
            hasher.VerifyHashedPassword(null!, DummyHash.Value, password ?? "");
            var lockedUntil = unknownEmailFailures.Fail(normalized, now);
            return lockedUntil is { } until ? Locked(until) : InvalidCredentials();
        }

        var check = await CheckPasswordAsync(user, password, now, cancellationToken);
        if (check.Error is { } refused)
        {
            return refused;
        }

        user.LastSignInAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>
    /// Changes the password and the security stamp: every session of the user ends, except the one re-issued. A wrong
    /// current password counts as a failed sign-in (and a locked user cannot change it), so this page is no way around
    /// the sign-in lockout.
    /// </summary>
    public async Task<Outcome<PortalUser>> ChangePasswordAsync(string userId, string? current, string? password, CancellationToken cancellationToken)
    {
        var user = await db.Set<PortalUser>().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return InvalidCredentials();
        }

        var check = await CheckPasswordAsync(user, current, time.GetUtcNow(), cancellationToken);
        if (check.Error is { } refused)
        {
            return refused.Code == ProblemCodes.InvalidCredentials
                ? new PlatformError(ProblemCodes.InvalidCredentials, "The current password is not right; type it again.")
                : refused;
        }

        if (PasswordRules.Check(password, user.Email, await AccountNameAsync(user.AccountId, cancellationToken)) is { } weak)
        {
            return weak;
        }

        user.PasswordHash = hasher.HashPassword(user, password!);
        user.SecurityStamp = NewSecret();
        audit.Record(user.AccountId, PortalAuditActions.PasswordChanged, user.Email);
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>
    /// One check of a user's password (sign-in, or the current password on the password page). The attempt is counted in
    /// the database before the password is checked, with one conditional update, so attempts made in parallel cannot
    /// check more than <see cref="FailuresBeforeLockout"/> passwords before the lockout (a count read, incremented in
    /// memory and written back would lose updates). A locked user costs the same password-hash time as any other
    /// attempt, so the time of the answer does not tell a locked email that exists from one that does not.
    /// </summary>
    private async Task<Outcome<PortalUser>> CheckPasswordAsync(PortalUser user, string? password, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var users = db.Set<PortalUser>();
        if (user.LockedUntil is { } lockedUntil && lockedUntil > now)
        {
            // Locked already: one read and one hash, exactly what an unknown email costs.
            hasher.VerifyHashedPassword(null!, DummyHash.Value, password ?? "");
            return Locked(lockedUntil);
        }

        var reserved = await users
            .Where(u => u.Id == user.Id && u.FailedSignIns < FailuresBeforeLockout && (u.LockedUntil == null || u.LockedUntil <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedSignIns, u => u.FailedSignIns + 1), cancellationToken);
        if (reserved == 0)
        {
            hasher.VerifyHashedPassword(null!, DummyHash.Value, password ?? "");
            return Locked(await LockedUntilAsync(user.Id, now, cancellationToken));
        }

        var verified = hasher.VerifyHashedPassword(user, user.PasswordHash, password ?? "");
        if (verified == PasswordVerificationResult.Failed)
        {
            // The attempt stays counted; the failure that reaches the limit locks the user.
            var until = now + LockoutDuration;
            var locked = await users
                .Where(u => u.Id == user.Id && u.FailedSignIns >= FailuresBeforeLockout && (u.LockedUntil == null || u.LockedUntil <= now))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.LockedUntil, until).SetProperty(u => u.FailedSignIns, 0), cancellationToken);
            if (locked == 0)
            {
                return InvalidCredentials();
            }

            audit.Record(user.AccountId, PortalAuditActions.UserLockedOut, user.Email, detail: $"until {until:O}");
            await db.SaveChangesAsync(cancellationToken);
            return Locked(until);
        }

        // The right password starts the count again, unless attempts made meanwhile have locked the user.
        var accepted = await users
            .Where(u => u.Id == user.Id && (u.LockedUntil == null || u.LockedUntil <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedSignIns, 0).SetProperty(u => u.LockedUntil, (DateTimeOffset?)null), cancellationToken);
        if (accepted == 0)
        {
            return Locked(await LockedUntilAsync(user.Id, now, cancellationToken));
        }

        if (verified == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password!);
        }

        return user;
    }

    /// <summary>When the lockout of a user ends; for attempts still being checked when it began, a full lockout from now.</summary>
    private async Task<DateTimeOffset> LockedUntilAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.Set<PortalUser>().Where(u => u.Id == userId).Select(u => u.LockedUntil).FirstOrDefaultAsync(cancellationToken) is { } until && until > now
            ? until
            : now + LockoutDuration;

    private Task<string?> AccountNameAsync(string accountId, CancellationToken cancellationToken) =>
        db.Accounts.Where(a => a.Id == accountId).Select(a => a.Name).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Ends every session of the user (sign-out signs out everywhere).</summary>
    public Task EndSessionsAsync(string userId, CancellationToken cancellationToken) =>
        db.Set<PortalUser>().Where(u => u.Id == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.SecurityStamp, NewSecret()), cancellationToken);

    /// <summary>The current security stamp of a user, or null when the user is gone. One indexed read of one column.</summary>
    public Task<string?> SecurityStampOfAsync(string userId, CancellationToken cancellationToken) =>
        db.Set<PortalUser>().Where(u => u.Id == userId).Select(u => u.SecurityStamp).FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<PortalUser>> ListAsync(string accountId, CancellationToken cancellationToken) =>
        await db.Set<PortalUser>().AsNoTracking().Where(u => u.AccountId == accountId).OrderBy(u => u.Email).ToListAsync(cancellationToken);

    /// <summary>The account's invitations that can still be used (the operator console shows them).</summary>
    public async Task<IReadOnlyList<Invitation>> PendingInvitationsAsync(string accountId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.Set<Invitation>().AsNoTracking().Where(i => i.AccountId == accountId && i.AcceptedAt == null && i.ExpiresAt > now)
            .OrderBy(i => i.Email).ToListAsync(cancellationToken);
    }

    private PortalUser NewUser(string accountId, string email, string password, DateTimeOffset now)
    {
        var user = new PortalUser
        {
            Id = Ids.New("usr"),
            AccountId = accountId,
            Email = email,
            PasswordHash = "",
            SecurityStamp = NewSecret(),
            CreatedAt = now,
        };
        user.PasswordHash = hasher.HashPassword(user, password);
        return user;
    }

    public static string? NormalizeEmail(string? email)
    {
        var normalized = email?.Trim().ToLowerInvariant();
        return string.IsNullOrEmpty(normalized) || normalized.Length > 254 || NameRules.HasForbiddenCharacter(normalized)
            || !MailAddress.TryCreate(normalized, out var address) || address.Address != normalized
            ? null
            : normalized;
    }

    internal static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    internal static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static PlatformError InvalidEmail() =>
        new(ProblemCodes.InvalidRequest, "'email' must be an email address such as merchant@example.com.");

    private static PlatformError InvalidCredentials() =>
        new(ProblemCodes.InvalidCredentials, "That email and password do not match. Check both and try again.");

    private static PlatformError Locked(DateTimeOffset until) =>
        new(ProblemCodes.SignInLocked,
            $"Sign-in for this email is locked after {FailuresBeforeLockout} failed attempts in a row. Try again after {until:HH:mm} UTC.");

    private static PlatformError InvalidInvitation() =>
        new(ProblemCodes.InvalidInvitation, "This invitation link was used already or has expired. Ask for a new invitation.");

    private static PlatformError UserExists(string email) =>
        new(ProblemCodes.UserExists, $"'{email}' has a portal user already; sign in instead.");
}

/// <summary>An invitation and the secret of its link (the only place the secret exists).</summary>
public sealed record IssuedInvitation(Invitation Invitation, string Secret);

public static class PortalAuditActions
{
    public const string UserInvited = "user.invited";
    public const string UserJoined = "user.joined";
    public const string UserLockedOut = "user.locked_out";
    public const string PasswordChanged = "user.password_changed";
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
}
