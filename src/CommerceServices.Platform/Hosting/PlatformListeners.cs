using System.Net;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CommerceServices.Platform.Hosting;

/// <summary>The doors of the platform. Each endpoint says which of them it answers on.</summary>
public enum PlatformListener
{
    Portal,
    ProductionGateway,
    SandboxGateway,

    /// <summary>The operator console's own listener, bound only when <c>Platform:OperatorUrl</c> is set.</summary>
    Operator,
}

/// <summary>
/// Binds the listeners on Kestrel and tells, for a request, which one accepted it. Routing uses the socket the
/// request came in on, never the Host header, so the management API cannot be reached through a gateway port.
/// </summary>
public sealed class PlatformListeners
{
    private readonly Dictionary<PlatformListener, ListenOptions> _bound = [];

    /// <summary>Configures Kestrel with one endpoint per listener from <see cref="PlatformOptions"/>.</summary>
    internal void Bind(KestrelServerOptions kestrel, PlatformOptions options)
    {
        var urls = new Dictionary<PlatformListener, string>
        {
            [PlatformListener.Portal] = options.PortalUrl,
            [PlatformListener.ProductionGateway] = options.ProductionGatewayUrl,
            [PlatformListener.SandboxGateway] = options.SandboxGatewayUrl,
        };
        if (!string.IsNullOrWhiteSpace(options.OperatorUrl))
        {
            urls[PlatformListener.Operator] = options.OperatorUrl;
        }

        foreach (var (listener, url) in urls)
        {
            var endpoint = ParseHttpEndpoint(listener, url);
            kestrel.Listen(endpoint, listen => _bound[listener] = listen);
        }

        var ports = urls.Values.Select(u => new Uri(u).Port).Where(p => p != 0).ToList();
        if (ports.Count != ports.Distinct().Count())
        {
            throw new InvalidOperationException(
                "Platform:PortalUrl, Platform:ProductionGatewayUrl, Platform:SandboxGatewayUrl (and Platform:OperatorUrl, when set) must use different ports.");
        }
    }

    /// <summary>The listener that accepted this request, or null when it came from elsewhere (an in-memory test host).</summary>
    public PlatformListener? Identify(HttpContext context)
    {
        var port = context.Connection.LocalPort;
        foreach (var (listener, options) in _bound)
        {
            if (options.IPEndPoint?.Port == port)
            {
                return listener;
            }
        }

        return null;
    }

    /// <summary>Whether the listener is bound (the operator listener is optional).</summary>
    public bool IsBound(PlatformListener listener) => _bound.ContainsKey(listener);

    /// <summary>The address a listener is bound to, with the real port once Kestrel has started (port 0 resolved).</summary>
    public Uri UrlOf(PlatformListener listener)
    {
        var endpoint = _bound[listener].IPEndPoint ?? throw new InvalidOperationException($"{listener} is not bound.");
        var host = endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{endpoint.Address}]"
            : endpoint.Address.ToString();
        return new Uri($"http://{host}:{endpoint.Port}");
    }

    public static GatewayEnvironment? EnvironmentOf(PlatformListener? listener) => listener switch
    {
        PlatformListener.ProductionGateway => GatewayEnvironment.Production,
        PlatformListener.SandboxGateway => GatewayEnvironment.Sandbox,
        _ => null,
    };

    private static IPEndPoint ParseHttpEndpoint(PlatformListener listener, string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/")
        {
            throw new InvalidOperationException(
                $"The {listener} URL '{url}' must be an absolute http URL with a host and a port, such as http://127.0.0.1:5080. "
                + "Put TLS in front of the platform with a reverse proxy.");
        }

        IPAddress address;
        if (uri.IsLoopback && !IPAddress.TryParse(uri.Host.Trim('[', ']'), out _))
        {
            address = IPAddress.Loopback;
        }
        else if (uri.Host is "*" or "+" or "0.0.0.0")
        {
            address = IPAddress.Any;
        }
        else if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out address!))
        {
            throw new InvalidOperationException($"The {listener} URL '{url}' must name an IP address or localhost.");
        }

        return new IPEndPoint(address, uri.Port);
    }
}
