using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Services;

namespace CommerceServices.Platform.Portal.Pages;

public sealed class ServicesModel(AccountService accounts, PlatformListeners listeners, ServiceRegistry services) : PortalPageModel
{
    public IReadOnlyList<ServiceDefinition> Services => services.All;

    public IReadOnlySet<string> Entitled { get; private set; } = new HashSet<string>();

    public string GatewayUrl(PlatformListener listener, string path) => new Uri(listeners.UrlOf(listener), path).AbsoluteUri;

    public async Task OnGetAsync(CancellationToken ct) =>
        Entitled = ((await accounts.GetAsync(AccountId, ct)).Value?.Entitlements ?? []).Select(e => e.Service).ToHashSet();
}
