using System.Net;
using System.Net.Sockets;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Webhooks;

/// <summary>
/// Where the platform may send a webhook (server-side request forgery). A production endpoint must be <c>https</c> and
/// every address its host resolves to must be public; a sandbox endpoint may be <c>http</c>, and may reach loopback and
/// private addresses unless <c>Webhooks:SandboxPrivateTargets</c> is false, but never link-local ones (cloud metadata
/// services live there). The rule is applied when the URL is registered and again on every connection
/// (<see cref="ConnectAsync"/>), to the address actually connected to, so a name that later resolves elsewhere (DNS
/// rebinding) gets nowhere.
/// </summary>
public sealed class WebhookTargets(IOptions<WebhooksOptions> options)
{
    public const int MaximumUrlLength = 2048;

    /// <summary>The URL's shape: absolute http(s), no credentials, no fragment; production needs https.</summary>
    public PlatformError? CheckUrl(string? url, string environment, out Uri? parsed)
    {
        parsed = null;
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaximumUrlLength
            || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            return new PlatformError(ProblemCodes.InvalidWebhookUrl,
                $"'url' must be an absolute http:// or https:// URL of at most {MaximumUrlLength} characters, such as https://shop.example.com/commerce-services/webhooks.");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return new PlatformError(ProblemCodes.InvalidWebhookUrl,
                "'url' must not contain credentials (user:password@) or a #fragment: deliveries are authenticated by their signature.");
        }

        if (environment == "production" && uri.Scheme != Uri.UriSchemeHttps)
        {
            return new PlatformError(ProblemCodes.WebhookUrlNotAllowed,
                "A production endpoint must use https://, so events and their signatures cannot be read on the way.");
        }

        parsed = uri;
        return null;
    }

    /// <summary>Resolves the URL's host and refuses it when any address is one the environment may not reach.</summary>
    public async Task<PlatformError?> CheckAddressesAsync(Uri url, string environment, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(url.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return new PlatformError(ProblemCodes.InvalidWebhookUrl,
                $"The host '{url.Host}' does not resolve to an address from the platform. Check the name, or register the endpoint once its DNS exists.");
        }

        if (addresses.Length == 0)
        {
            return new PlatformError(ProblemCodes.InvalidWebhookUrl, $"The host '{url.Host}' has no address.");
        }

        return addresses.FirstOrDefault(a => !IsAllowed(a, environment)) is { } refused
            ? NotAllowed(url.Host, refused, environment)
            : null;
    }

    /// <summary>Whether an endpoint of <paramref name="environment"/> may connect to <paramref name="address"/>.</summary>
    public bool IsAllowed(IPAddress address, string environment)
    {
        if (options.Value.AllowPrivateTargets)
        {
            return true;
        }

        return Classify(address) switch
        {
            AddressKind.Public => true,
            AddressKind.LoopbackOrPrivate => environment == "sandbox" && options.Value.SandboxPrivateTargets,
            _ => false,
        };
    }

    /// <summary>
    /// The connection of the webhook HTTP client: resolves the host, refuses when any address is not allowed for the
    /// environment of the client, and connects to an allowed address itself (so what was checked is what is used).
    /// </summary>
    public Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectAsync(string environment) => async (context, ct) =>
    {
        var host = context.DnsEndPoint.Host;
        var addresses = await ResolveAsync(host, ct);
        if (addresses.Length == 0)
        {
            throw new WebhookTargetRefusedException($"'{host}' has no address");
        }

        if (addresses.FirstOrDefault(a => !IsAllowed(a, environment)) is { } refused)
        {
            throw new WebhookTargetRefusedException(NotAllowed(host, refused, environment).Message);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return IPAddress.TryParse(bare, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(bare, cancellationToken);
    }

    private static PlatformError NotAllowed(string host, IPAddress address, string environment) =>
        new(ProblemCodes.WebhookUrlNotAllowed,
            $"'{host}' resolves to {address}, a {Describe(address)} address, which {(environment == "production" ? "production" : "sandbox")} " +
            "endpoints may not reach (server-side request forgery). Use a public address; an operator can allow private targets with Webhooks:AllowPrivateTargets.");

    private static string Describe(IPAddress address) => Classify(address) switch
    {
        AddressKind.LoopbackOrPrivate => IPAddress.IsLoopback(address) ? "loopback" : "private",
        AddressKind.LinkLocal => "link-local",
        _ => "reserved",
    };

    internal enum AddressKind
    {
        Public,
        LoopbackOrPrivate,
        LinkLocal,
        Reserved,
    }

    /// <summary>What kind of address this is, by the IANA special-purpose registries (IPv4-mapped IPv6 read as IPv4).</summary>
    internal static AddressKind Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return (b[0], b[1]) switch
            {
                (127, _) or (10, _) or (172, >= 16 and <= 31) or (192, 168) or (100, >= 64 and <= 127) => AddressKind.LoopbackOrPrivate,
                (169, 254) => AddressKind.LinkLocal,
                (0, _) or (>= 224, _) => AddressKind.Reserved, // "this network", multicast, reserved, broadcast
                (192, 0) when b[2] is 0 or 2 => AddressKind.Reserved, // IETF protocol assignments, documentation
                (198, 18 or 19) => AddressKind.Reserved, // benchmarking
                (198, 51) when b[2] == 100 => AddressKind.Reserved,
                (203, 0) when b[2] == 113 => AddressKind.Reserved,
                _ => AddressKind.Public,
            };
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (IPAddress.IsLoopback(address) || address.IsIPv6UniqueLocal || address.IsIPv6SiteLocal)
            {
                return AddressKind.LoopbackOrPrivate;
            }

            if (address.IsIPv6LinkLocal)
            {
                return AddressKind.LinkLocal;
            }

            var b = address.GetAddressBytes();
            // Unspecified, multicast, documentation (2001:db8::/32), and NAT64 or 6to4 prefixes that can carry any IPv4 address.
            if (address.Equals(IPAddress.IPv6None) || address.IsIPv6Multicast || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) || (b[0] == 0x20 && b[1] == 0x02))
            {
                return AddressKind.Reserved;
            }

            return AddressKind.Public;
        }

        return AddressKind.Reserved;
    }
}

/// <summary>A delivery's target resolved to an address its environment may not reach; the attempt fails with this message.</summary>
public sealed class WebhookTargetRefusedException(string message) : Exception(message);
