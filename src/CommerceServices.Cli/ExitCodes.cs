namespace CommerceServices.Cli;

/// <summary>The process exit codes of <c>commerce-services</c>. Scripts rely on them; they never change meaning.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The platform refused the request; stderr says why, with the platform's stable code.</summary>
    public const int Refused = 1;

    /// <summary>The command line (or a local input such as a file) is not valid; nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>The platform could not be reached (connection refused, DNS, timeout).</summary>
    public const int Unreachable = 3;
}
