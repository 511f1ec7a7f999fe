using System.Buffers.Text;
using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CommerceServices.LoadTool.Commands;

/// <summary>
/// <c>loadtool tokens</c>: signs many distinct RS256 gateway tokens with one private key and writes "apiKey&lt;TAB&gt;token"
/// lines for bench/lib/rotate.lua. Each token has its own <c>jti</c>, so the gateway cannot recognise any of them from
/// an earlier request: every one costs a full verification, as with a client that signs a new token per request.
/// </summary>
internal static class TokensCommand
{
    public static Command Build()
    {
        var apiKey = new Option<string>("--api-key") { Required = true, Description = "The public API key the tokens go with." };
        var privateKey = new Option<FileInfo>("--private-key") { Required = true, Description = "PEM file of the RSA private key." };
        var count = new Option<int>("--count") { DefaultValueFactory = _ => 10_000, Description = "How many tokens." };
        var lifetime = new Option<int>("--lifetime-seconds") { DefaultValueFactory = _ => 290, Description = "exp = now + this (at most 300)." };
        var output = new Option<FileInfo>("--out") { Required = true, Description = "File to write." };
        var command = new Command("tokens", "Sign distinct gateway tokens for one key (one per line, with the API key).")
        {
            apiKey, privateKey, count, lifetime, output,
        };
        command.SetAction(parse =>
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(parse.GetRequiredValue(privateKey).FullName));
            var tokens = Sign(rsa, parse.GetValue(count), DateTimeOffset.UtcNow, parse.GetValue(lifetime));
            var key = parse.GetRequiredValue(apiKey);
            File.WriteAllLines(parse.GetRequiredValue(output).FullName, tokens.Select(t => key + "\t" + t));
            return 0;
        });
        return command;
    }

    /// <summary>Signs <paramref name="count"/> tokens on every core. A token carries exp, iat and a unique jti.</summary>
    public static string[] Sign(RSA privateKey, int count, DateTimeOffset now, int lifetimeSeconds)
    {
        var tokens = new string[count];
        Parallel.For(0, count, i => tokens[i] = SignOne(privateKey, now.ToUnixTimeSeconds(), lifetimeSeconds, $"{i}-{Guid.NewGuid():N}"));
        return tokens;
    }

    /// <summary>One RS256 gateway token with exp = iat + lifetime and the given jti (what makes tokens distinct).</summary>
    public static string SignOne(RSA privateKey, long issuedAt, int lifetimeSeconds, string jti)
    {
        var payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $$"""{"exp":{{issuedAt + lifetimeSeconds}},"iat":{{issuedAt}},"jti":"{{jti}}"}""")));
        var signingInput = Header + "." + payload;
        var signature = privateKey.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    private static readonly string Header = Base64Url.EncodeToString("""{"alg":"RS256","typ":"JWT"}"""u8);
}
