using CommerceServices.Platform.Accounts;

namespace CommerceServices.Platform.Portal.Pages;

public sealed class ActivityModel(AuditLog audit) : PortalPageModel
{
    public const int PageSize = 25;

    public IReadOnlyList<AuditEvent> Events { get; private set; } = [];

    public int PageNumber { get; private set; } = 1;

    public bool More { get; private set; }

    public async Task OnGetAsync(int? page, CancellationToken ct)
    {
        PageNumber = Math.Clamp(page ?? 1, 1, 100_000);
        (Events, More) = await audit.PageAsync(AccountId, PageNumber, PageSize, ct);
    }
}
