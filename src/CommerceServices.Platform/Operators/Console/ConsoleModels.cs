using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Portal.Users;
using CommerceServices.Platform.Registry;
using CommerceServices.Platform.Traffic;
using CommerceServices.Protocol.Registry;

namespace CommerceServices.Platform.Operators.Console;

/// <summary>What every console page shows around its content: who is signed in, the navigation, a notice or a refusal.</summary>
public sealed record ConsoleFrame(
    string Title,
    string? Operator,
    bool IsAdmin,
    string CurrentPath,
    IReadOnlyList<ConsoleSection> Sections,
    string AntiforgeryField,
    string? AntiforgeryToken,
    string? Notice = null,
    PlatformError? Error = null)
{
    public bool SignedIn => Operator is not null;

    public string? Current(string path) =>
        CurrentPath == path || CurrentPath.StartsWith(path + "/", StringComparison.Ordinal) ? "page" : null;
}

public sealed record SignInPageModel(string Mode, string? Email = null, string? ReturnUrl = null, string? InvitedEmail = null,
    string? InvitedRole = null, string? Secret = null);

public sealed record EnrolPageModel(TotpEnrolment Enrolment, string QrSvg, bool MustEnrol);

public sealed record AccountsPageModel(string? Query, IReadOnlyList<AccountMatch> Results, string? Email = null, string? Name = null);

public sealed record KeyRow(KeyPairView Key, bool CanChange);

public sealed record DataSpaceRow(Project Project, DataSpace DataSpace, IReadOnlyList<Holding> Holdings);

public sealed record AccountPageModel(
    Account Account,
    IReadOnlyList<PortalUser> Users,
    IReadOnlyList<Invitation> Invitations,
    IReadOnlyList<KeyPairView> Keys,
    IReadOnlyList<DataSpaceRow> DataSpaces,
    IReadOnlyList<AccountRefusal> Refusals,
    IReadOnlyList<AuditEvent> Audit,
    string? InvitationLink = null);

/// <summary>A confirmation before a change that stops something working: what it does, and exactly what stops.</summary>
public sealed record ConfirmPageModel(string Heading, string Action, IReadOnlyList<string> Consequences, string Button, string Cancel,
    IReadOnlyDictionary<string, string> Fields, bool OfferGrace = false);

public sealed record KeyIssuedPageModel(string AccountId, IssuedKeyPairView Issued);

public sealed record TrafficPageModel(int Hours, string? Environment, string? Service, TrafficSummary Summary, string Chart,
    TrafficSummary LastHour, string LastHourChart, IReadOnlyDictionary<string, string> Classes);

public sealed record AuditPageModel(AuditSearchParameters Query, AuditPage Page, string ExportQuery, string NextQuery);

public sealed record ServiceRow(Services.ServiceDefinition Service, string Kind, IReadOnlyList<string> Upstreams, string Health, int EntitledCount,
    IReadOnlyList<Account> Entitled);

public sealed record ServicesPageModel(IReadOnlyList<ServiceRow> Services);

public sealed record OperatorsPageModel(IReadOnlyList<OperatorUser> Operators, IReadOnlyList<OperatorInvitation> Invitations,
    string SelfId, bool SelfHasSecondFactor, int RecoveryCodesLeft, string? InvitationLink = null);

public sealed record MessagePageModel(string Heading, string Text, string? Code = null);
