using CommerceServices.Protocol.Tokens;
using Microsoft.AspNetCore.Authentication;

namespace CommerceServices.Platform.Gateway.Authentication;

public sealed class GatewaySignatureOptions : AuthenticationSchemeOptions
{
    /// <summary>Tolerated difference between the caller's clock and ours, for <c>exp</c>, <c>nbf</c> and <c>iat</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = GatewayTokenRules.ClockSkew;

    /// <summary>How far ahead <c>exp</c> may be (plus <see cref="ClockSkew"/>).</summary>
    public TimeSpan MaximumTokenLifetime { get; set; } = GatewayTokenRules.MaximumLifetime;

    /// <summary>Tokens already verified are remembered, up to this many, until they expire.</summary>
    public int ValidatedTokenCacheSize { get; set; } = 50_000;

    public new GatewaySignatureEvents Events
    {
        get => (GatewaySignatureEvents)base.Events!;
        set => base.Events = value;
    }

    public GatewaySignatureOptions() => Events = new GatewaySignatureEvents();
}
