using CommerceServices.Protocol;

namespace CommerceServices.Connector;

/// <summary>
/// Adds the gateway protocol's headers to every request: <c>x-api-key</c>, <c>x-gw-signature</c> (a token shared by
/// all requests until shortly before it expires, see <see cref="GatewayCredentials"/>) and <c>x-data-space-id</c>.
/// </summary>
public sealed class GatewaySigningHandler(ConnectorState state) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(ConnectorRequestOptions.Anonymous, out var anonymous) && anonymous)
        {
            return base.SendAsync(request, cancellationToken);
        }

        var credentials = request.Options.TryGetValue(ConnectorRequestOptions.Credentials, out var chosen)
            ? chosen
            : state.ActiveCredentials() ?? throw new CommerceServicesNotConfiguredException(
                $"The connector has no usable {state.ActiveEnvironment.ToName()} key pair: configure it first (see 'connector status').");

        var headers = request.Headers;
        headers.Remove(GatewayHeaders.ApiKey);
        headers.Remove(GatewayHeaders.Signature);
        headers.TryAddWithoutValidation(GatewayHeaders.ApiKey, credentials.ApiKey);
        headers.TryAddWithoutValidation(GatewayHeaders.Signature, credentials.GetToken());

        var dataSpace = request.Options.TryGetValue(ConnectorRequestOptions.DataSpaceId, out var explicitDataSpace)
            ? explicitDataSpace
            : headers.Contains(GatewayHeaders.DataSpaceId) ? null : state.Settings.DataSpaceId;
        if (!string.IsNullOrEmpty(dataSpace))
        {
            headers.Remove(GatewayHeaders.DataSpaceId);
            headers.TryAddWithoutValidation(GatewayHeaders.DataSpaceId, dataSpace);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>A signed request was sent while the connector has no usable keys for its active environment.</summary>
public sealed class CommerceServicesNotConfiguredException(string message) : InvalidOperationException(message);
