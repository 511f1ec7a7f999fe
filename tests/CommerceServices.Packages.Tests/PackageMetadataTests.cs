using System.Text.RegularExpressions;

namespace CommerceServices.Packages.Tests;

/// <summary>What NuGet shows of each package: one version for all, id, description, readme, licence, symbols, dependencies.</summary>
[Collection(PackagesCollection.Name)]
public sealed partial class PackageMetadataTests(PackedPackages packages)
{
    [Fact]
    public void EveryPublishedPackage_IsPacked_WithOneVersion_OfThePrefixAndAPerPackSuffix()
    {
        var packed = Directory.GetFiles(packages.Folder, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(PackedPackages.Published.Select(id => $"{id}.{packages.Version}.nupkg").Order(StringComparer.Ordinal), packed);
        Assert.Matches(PerPackVersion(), packages.Version);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void EachPackage_HasItsId_ADescription_AReadme_TheMitLicence_AndSymbols(string id)
    {
        var package = packages.Package(id);
        var nuspec = PackedPackages.Nuspec(package);
        var ns = nuspec.Name.Namespace;

        Assert.Equal(id, nuspec.Element(ns + "id")!.Value);
        Assert.Equal("Commerce Services", nuspec.Element(ns + "authors")!.Value);
        Assert.True(nuspec.Element(ns + "description")!.Value.Length > 80, $"{id}'s description is too thin to say what it is.");
        Assert.Equal("MIT", nuspec.Element(ns + "license")!.Value);
        Assert.Equal("README.md", nuspec.Element(ns + "readme")!.Value);
        Assert.Contains($"# {id}", PackedPackages.ReadEntry(package, "README.md"), StringComparison.Ordinal);
        Assert.NotNull(nuspec.Element(ns + "repository")?.Attribute("commit"));

        var symbols = Path.ChangeExtension(package, ".snupkg");
        Assert.True(File.Exists(symbols), $"No symbol package beside {Path.GetFileName(package)}.");
        Assert.Contains(PackedPackages.Entries(symbols), e => e.EndsWith(".pdb", StringComparison.Ordinal));
    }

    [Fact]
    public void TheAdminPackage_BringsTheConnector_WhichBringsTheProtocol_EachAtTheVersionPackedWithIt()
    {
        Assert.Equal(packages.Version, Dependency("CommerceServices.Connector.Admin", "CommerceServices.Connector"));
        Assert.Equal(packages.Version, Dependency("CommerceServices.Connector", "CommerceServices.Protocol"));
        // The public packages they need come from the public source; the versions are the ones that restore.
        Assert.NotNull(Dependency("CommerceServices.Connector", "Microsoft.Extensions.Http.Resilience"));
        Assert.NotNull(Dependency("CommerceServices.Protocol", "Microsoft.IdentityModel.JsonWebTokens"));
    }

    [Fact]
    public void TheAdminPackagesReadme_ShowsTheRegistrationOfTheIntegrationGuide()
    {
        var readme = PackedPackages.ReadEntry(packages.Package("CommerceServices.Connector.Admin"), "README.md").ReplaceLineEndings("\n");

        Assert.Contains(IntegrationGuide.Block("services"), readme, StringComparison.Ordinal);
        Assert.Contains(IntegrationGuide.Block("endpoints"), readme, StringComparison.Ordinal);
    }

    public static TheoryData<string> Ids => new(PackedPackages.Published);

    private string? Dependency(string package, string dependency)
    {
        var nuspec = PackedPackages.Nuspec(packages.Package(package));
        return nuspec.Descendants(nuspec.Name.Namespace + "dependency")
            .SingleOrDefault(d => d.Attribute("id")!.Value == dependency)?.Attribute("version")!.Value;
    }

    [GeneratedRegex(@"^1\.1\.0-dev\.\d{14}$")]
    private static partial Regex PerPackVersion();
}
