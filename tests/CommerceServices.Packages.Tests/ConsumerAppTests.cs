using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CommerceServices.Testing;
using Xunit.Abstractions;

namespace CommerceServices.Packages.Tests;

/// <summary>
/// An integrator's own app, made from nothing but the packages and docs/integration.md: <c>dotnet new web</c> outside
/// the repository, the guide's nuget.config and snippets pasted verbatim, a build with warnings as errors, then the
/// app against a real platform on free ports: the connector configured on the app's admin page, Verified, and a
/// sandbox payment of 10.00 EUR.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed partial class ConsumerAppTests(PackedPackages packages, ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task ANewWebApp_FollowingTheIntegrationGuide_BuildsWithoutWarnings_ReachesVerified_AndTakesASandboxPayment()
    {
        output.WriteLine($"the one pack (shared by the collection): {packages.PackTime.TotalSeconds:0.0} s");
        var started = Stopwatch.StartNew();
        var app = await CreateAppAsync();
        output.WriteLine($"dotnet new web and the guide's blocks: {started.Elapsed.TotalSeconds:0.0} s");
        await DotnetCommand.RunAsync(app, Step, "build", "-c", "Debug", "-warnaserror", "-nologo", "-nodeReuse:false", "--disable-build-servers");
        output.WriteLine($"restore and build with -warnaserror: {started.Elapsed.TotalSeconds:0.0} s");

        await using var platform = await PlatformHost.StartAsync();
        var (account, apiKey, privateKey, dataSpace) = await SandboxMerchantAsync(platform);
        using var shop = await ShopProcess.StartAsync(app, platform.SandboxGatewayUrl, Path.Combine(packages.Root, "store"));
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true })
            { BaseAddress = shop.Url, Timeout = TimeSpan.FromMinutes(2) };

        // The admin page, through the app's own sign-in (the guide's development sign-in redirects back).
        var page = await browser.GetStringAsync("/admin/commerce-services/connector");
        Assert.Contains("data-state=\"not_configured\"", page, StringComparison.Ordinal);
        var token = AntiforgeryField().Match(page);
        Assert.True(token.Success, "No antiforgery field on the connector page:\n" + page);

        // The page's form, as a browser sends it: the sandbox pair and the testing data space.
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token.Groups["value"].Value), token.Groups["name"].Value },
            { new StringContent("sandbox"), "environment" },
            { new StringContent(apiKey), "sandboxApiKey" },
            { new StringContent(privateKey), "sandboxPrivateKey" },
            { new StringContent(dataSpace), "dataSpaceId" },
        };
        using var saved = await browser.PostAsync("/admin/commerce-services/connector", form);
        var savedPage = await saved.Content.ReadAsStringAsync();
        Assert.True(saved.StatusCode == HttpStatusCode.OK, $"{saved.StatusCode}:\n{savedPage}\n{shop.Output}");
        Assert.True(savedPage.Contains("data-state=\"verified\"", StringComparison.Ordinal), "Not verified after saving:\n" + Text(savedPage));
        Assert.Contains(account, savedPage, StringComparison.Ordinal);

        // The guide's checkout: authorize and capture 10.00 EUR on the sandbox test card.
        var watch = Stopwatch.StartNew();
        using var checkout = await browser.PostAsync("/checkout", null);
        var body = await checkout.Content.ReadAsStringAsync();
        watch.Stop();
        Assert.True(checkout.StatusCode == HttpStatusCode.OK, $"{checkout.StatusCode}: {body}\n{shop.Output}");
        var payment = JsonNode.Parse(body)!["payment"]!;
        Assert.Equal("captured", payment["status"]!.GetValue<string>());
        Assert.Equal(1000, payment["amount"]!.GetValue<long>());
        Assert.Equal("EUR", payment["currency"]!.GetValue<string>());
        Assert.Null(JsonNode.Parse(body)!["failure"]);

        // The Payment Services page lists it: the platform holds it in the merchant's data space.
        var payments = await browser.GetStringAsync("/admin/commerce-services/payments");
        Assert.Contains("data-testid=\"connected-summary\"", payments, StringComparison.Ordinal);
        Assert.Contains(payment["id"]!.GetValue<string>(), payments, StringComparison.Ordinal);
        Assert.DoesNotContain("(null)", shop.Output, StringComparison.Ordinal);
        output.WriteLine($"checkout (authorize and capture through the packages) answered in {watch.Elapsed.TotalSeconds:0.00} s; whole test {started.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary><c>dotnet new web</c>, then the guide's steps 2 to 7, pasted as they are written.</summary>
    private async Task<string> CreateAppAsync()
    {
        var app = Path.Combine(packages.Root, "MyShop");
        await DotnetCommand.RunAsync(packages.Root, Step, "new", "web", "-o", app, "-n", "MyShop", "--no-restore");

        var nugetConfig = IntegrationGuide.Block("nuget-config");
        Assert.Contains(IntegrationGuide.PackagesFolderPlaceholder, nugetConfig, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), nugetConfig.Replace(IntegrationGuide.PackagesFolderPlaceholder, packages.Folder, StringComparison.Ordinal));

        var project = Path.Combine(app, "MyShop.csproj");
        var csproj = await File.ReadAllTextAsync(project);
        await File.WriteAllTextAsync(project, csproj.Replace("</Project>",
            $"""
              <ItemGroup>
                <PackageReference Include="CommerceServices.Connector.Admin" Version="{packages.Version}" />
              </ItemGroup>
            </Project>
            """, StringComparison.Ordinal));

        var program = (await File.ReadAllTextAsync(Path.Combine(app, "Program.cs"))).ReplaceLineEndings("\n");
        const string afterBuilder = "var builder = WebApplication.CreateBuilder(args);\n";
        const string afterBuild = "var app = builder.Build();\n";
        Assert.Contains(afterBuilder, program, StringComparison.Ordinal);
        Assert.Contains(afterBuild, program, StringComparison.Ordinal);
        var usings = new List<string>();
        string Paste(params string[] blocks)
        {
            var pasted = new StringBuilder();
            foreach (var name in blocks)
            {
                var (blockUsings, statements) = IntegrationGuide.SplitUsings(IntegrationGuide.Block(name));
                usings.AddRange(blockUsings);
                pasted.Append('\n').Append(statements).Append('\n');
            }

            return pasted.Append('\n').ToString();
        }

        program = program.Replace(afterBuilder, afterBuilder + Paste("services", "try-it-services"), StringComparison.Ordinal)
            .Replace(afterBuild, afterBuild + Paste("endpoints", "try-it-endpoints", "checkout"), StringComparison.Ordinal);
        program = string.Join('\n', usings.Distinct()) + "\n\n" + program;
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), program);
        return app;
    }

    /// <summary>What the merchant makes in the account portal: an entitled account, a sandbox pair, a testing data space.</summary>
    private static async Task<(string Account, string ApiKey, string PrivateKey, string DataSpace)> SandboxMerchantAsync(PlatformHost platform)
    {
        var management = platform.Management;
        using var created = await management.PostAsJsonAsync("api/v1/accounts", new { email = $"{Guid.NewGuid():N}@example.test" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var account = (await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!.GetValue<string>();
        using var granted = await management.PutAsync($"api/v1/accounts/{account}/entitlements/payments", null);
        Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync());
        using var key = await management.PostAsJsonAsync($"api/v1/accounts/{account}/keys", new { environment = "sandbox" });
        Assert.True(key.IsSuccessStatusCode, await key.Content.ReadAsStringAsync());
        var pair = (await key.Content.ReadFromJsonAsync<JsonNode>())!;
        var project = (await management.GetFromJsonAsync<JsonNode>($"api/v1/accounts/{account}/projects"))!.AsArray()[0]!["id"]!.GetValue<string>();
        using var space = await management.PostAsJsonAsync($"api/v1/accounts/{account}/data-spaces", new { projectId = project, name = "my-shop", type = "testing" });
        Assert.True(space.IsSuccessStatusCode, await space.Content.ReadAsStringAsync());
        var dataSpace = (await space.Content.ReadFromJsonAsync<JsonNode>())!["id"]!.GetValue<string>();
        return (account, pair["apiKey"]!.GetValue<string>(), pair["privateKey"]!.GetValue<string>(), dataSpace);
    }

    /// <summary>A page's text without its markup and styles, for a failure's message.</summary>
    private static string Text(string html) => Whitespace().Replace(Tags().Replace(html[Math.Max(0, html.IndexOf("<body", StringComparison.Ordinal))..], " "), " ");

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]+)" value="(?<value>[^"]+)" />""")]
    private static partial Regex AntiforgeryField();

    /// <summary>The built app, run as <c>dotnet MyShop.dll</c> in Development on a free loopback port.</summary>
    private sealed partial class ShopProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private ShopProcess(Process process) => _process = process;

        public Uri Url { get; private set; } = null!;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<ShopProcess> StartAsync(string app, Uri sandboxGateway, string store)
        {
            var dll = Path.Combine(app, "bin", "Debug", "net10.0", "MyShop.dll");
            var start = DotnetCommand.StartInfo(app, [dll, "--urls", "http://127.0.0.1:0",
                $"--CommerceServices:SandboxGatewayUrl={sandboxGateway}", $"--CommerceServices:StoreDirectory={store}"]);
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            var shop = new ShopProcess(Process.Start(start)!);
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            void Read(string? line)
            {
                if (line is null)
                {
                    return;
                }

                lock (shop._output)
                {
                    shop._output.AppendLine(line);
                }

                if (Listening().Match(line) is { Success: true } match)
                {
                    listening.TrySetResult(new Uri(match.Groups["url"].Value));
                }
            }

            shop._process.OutputDataReceived += (_, e) => Read(e.Data);
            shop._process.ErrorDataReceived += (_, e) => Read(e.Data);
            shop._process.BeginOutputReadLine();
            shop._process.BeginErrorReadLine();
            var exited = shop._process.WaitForExitAsync();
            var first = await Task.WhenAny(listening.Task, exited, Task.Delay(Step));
            if (first != listening.Task)
            {
                shop.Dispose();
                throw new InvalidOperationException("The app did not start listening:\n" + shop.Output);
            }

            shop.Url = await listening.Task;
            return shop;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }

        [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)")]
        private static partial Regex Listening();
    }
}
