using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CommerceServices.Connector.Configuration;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;

namespace CommerceServices.Connector.KeyRegistration;

/// <summary>
/// Bring your own key (R19): makes an RSA 2048 pair here, registers only its public key with the platform's management
/// API, and keeps the private key in the store. It never leaves this machine.
/// </summary>
internal sealed class KeyRegistration(ConnectorState state, HttpClient management, SettingsSaver saver)
{
    public async Task<ConfigureResult> GenerateAsync(GatewayEnvironment environment, Uri portalUrl, string? operatorToken, string accountId,
        CancellationToken ct)
    {
        using var rsa = RsaPem.CreateKey();
        var privateKeyPem = RsaPem.ExportPrivateKeyPkcs8(rsa);
        var root = portalUrl.AbsoluteUri.EndsWith('/') ? portalUrl : new Uri(portalUrl.AbsoluteUri + "/");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(root, $"api/v1/accounts/{Uri.EscapeDataString(accountId)}/keys"))
        {
            Content = JsonContent.Create(new { environment = environment.ToName(), publicKey = RsaPem.ExportPublicKey(rsa) }),
        };
        if (!string.IsNullOrEmpty(operatorToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
        }

        string? apiKey;
        try
        {
            using var response = await management.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                return ProblemDocument.TryRead(text, out var code, out var detail)
                    ? ConfigureResult.Fail(code, $"The platform did not register the public key: {detail ?? response.ReasonPhrase}{Hint(code)}")
                    : ConfigureResult.Fail($"http_{(int)response.StatusCode}",
                        $"The platform at {portalUrl} answered {(int)response.StatusCode} {response.ReasonPhrase} without a problem code: " +
                        "is it the portal URL of a Commerce Services platform (`--platform`)?");
            }

            using var body = JsonDocument.Parse(text);
            apiKey = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("apiKey", out var value)
                     && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (HttpRequestException e)
        {
            return ConfigureResult.Fail(ConnectorCodes.PlatformUnreachable,
                $"Could not reach the platform at {portalUrl} ({e.Message}). Check the portal URL (`--platform`) and that the platform runs.",
                unreachable: true);
        }
        catch (JsonException)
        {
            return ConfigureResult.Fail(ConnectorCodes.UnexpectedResponse, $"The platform at {portalUrl} answered with a body that is not JSON.");
        }

        var check = ApiKeyFormat.Check(apiKey);
        if (!check.IsValid || check.Environment != environment)
        {
            return ConfigureResult.Fail(ConnectorCodes.UnexpectedResponse,
                $"The platform answered without a valid {environment.ToName()} API key for the registered public key.");
        }

        var current = state.Settings;
        var next = current.WithKeys(environment, new EnvironmentKeys(check.ApiKey!, privateKeyPem)) with
        {
            Environment = current.Environment ?? environment,
        };
        return saver.Save(next, $"Registered a new {environment.ToName()} key pair: API key {check.ApiKey}. Only its public key was sent; " +
                                "the private key is kept, encrypted, in this instance's settings store.");
    }

    /// <summary>What to do about the refusals a person can fix.</summary>
    private static string Hint(string code) => code switch
    {
        ProblemCodes.MissingOperatorToken or ProblemCodes.InvalidOperatorToken =>
            " Give the operator token with `--token` or COMMERCE_SERVICES_TOKEN (it is in the platform's data folder, file operator-token).",
        ProblemCodes.AccountNotFound => " Check the account id (`commerce-services accounts list`).",
        _ => "",
    };
}
