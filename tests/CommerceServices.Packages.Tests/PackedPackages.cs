using System.IO.Compression;
using System.Xml.Linq;
using CommerceServices.Testing;

namespace CommerceServices.Packages.Tests;

/// <summary>
/// The published packages, packed once for all the tests of the collection with the documented command (the build the
/// test command has just made, not another one) into a temporary folder outside the repository. Afterwards the folder
/// goes, and so does this version from NuGet's global package cache, which the consumer app's restore filled.
/// </summary>
public sealed class PackedPackages : IAsyncLifetime
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public static readonly string[] Published =
        ["CommerceServices.Protocol", "CommerceServices.Connector", "CommerceServices.Connector.Admin", "CommerceServices.Cli",
         "CommerceServices.Service"];

    /// <summary>A temporary folder outside the repository: the packages, and the consumer app beside them.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("cs-packages-").FullName;

    public string Folder => Path.Combine(Root, "packages");

    public string Version { get; private set; } = "";

    /// <summary>How long the one pack took (the tests share it).</summary>
    public TimeSpan PackTime { get; private set; }

    public async Task InitializeAsync()
    {
        Assert.False(Root.StartsWith(RepositoryPaths.Root, StringComparison.Ordinal), "The packages must be made outside the repository.");
        // `dotnet pack -c Release -o artifacts/packages` as docs/integration.md says, here from the build just made.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await DotnetCommand.RunAsync(RepositoryPaths.Root, TimeSpan.FromMinutes(10),
            "pack", "CommerceServices.slnx", "-c", Configuration, "--no-build", "--no-restore", "-o", Folder, "-nologo", "-nodeReuse:false",
            // The manifests NuGet writes on the way go with the packages, not into the clone's obj/ folders, one pair per run.
            $"-p:NuspecOutputPath={Path.Combine(Root, "nuspec")}");
        PackTime = watch.Elapsed;
        var admin = Directory.GetFiles(Folder, "CommerceServices.Connector.Admin.*.nupkg").Single();
        Version = Nuspec(admin).Element(Ns(admin) + "version")!.Value;
    }

    public Task DisposeAsync()
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in Published)
        {
            var versions = Path.Combine(cache, id.ToLowerInvariant());
            Delete(Path.Combine(versions, Version.ToLowerInvariant()));
            if (Directory.Exists(versions) && !Directory.EnumerateFileSystemEntries(versions).Any())
            {
                Delete(versions);
            }
        }

        Delete(Root);
        return Task.CompletedTask;
    }

    public string Package(string id) => Path.Combine(Folder, $"{id}.{Version}.nupkg");

    /// <summary>The package's manifest (its <c>metadata</c> element).</summary>
    public static XElement Nuspec(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/')).Open();
        var document = XDocument.Load(stream);
        return document.Root!.Element(document.Root.Name.Namespace + "metadata")!;
    }

    public static XNamespace Ns(string nupkg) => Nuspec(nupkg).Name.Namespace;

    public static IReadOnlyList<string> Entries(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    public static string ReadEntry(string package, string entry)
    {
        using var zip = ZipFile.OpenRead(package);
        using var reader = new StreamReader(zip.GetEntry(entry)!.Open());
        return reader.ReadToEnd();
    }

    private static void Delete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for the OS's temporary-file cleanup.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackedPackages>
{
    public const string Name = "packages";
}
