namespace CommerceServices.Testing;

/// <summary>Folders of the repository the tests run from.</summary>
public static class RepositoryPaths
{
    /// <summary>Set to <c>docs</c> to have the browser tests refresh the README's screenshots in <c>docs/screenshots/</c>.</summary>
    public const string ScreenshotsVariable = "COMMERCE_SCREENSHOTS";

    /// <summary>The repository root: the folder holding <c>CommerceServices.slnx</c>, above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// Where browser tests save their screenshots: <c>artifacts/screenshots/</c> (git-ignored), so a test run leaves the
    /// clone as it found it; <c>docs/screenshots/</c>, the README's, when <see cref="ScreenshotsVariable"/> is <c>docs</c>.
    /// </summary>
    public static string ScreenshotFolder() => Directory.CreateDirectory(
        Environment.GetEnvironmentVariable(ScreenshotsVariable) == "docs"
            ? Path.Combine(Root, "docs", "screenshots")
            : Path.Combine(Root, "artifacts", "screenshots")).FullName;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CommerceServices.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (CommerceServices.slnx) was not found above " + AppContext.BaseDirectory);
    }
}
