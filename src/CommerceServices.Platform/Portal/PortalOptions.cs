namespace CommerceServices.Platform.Portal;

/// <summary>The <c>Portal</c> configuration section.</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>Lets anyone create an account with its first user on the sign-up page. Off by default.</summary>
    public bool AllowSignUp { get; set; }

    /// <summary>How long an invitation link works.</summary>
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>A session ends after this long without a request (sliding).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Sign-in attempts one client IP address may make per minute.</summary>
    public int SignInAttemptsPerMinutePerIp { get; set; } = 20;
}
