namespace CommerceServices.Platform.Hosting.FirstRun;

/// <summary>
/// Where the platform keeps its files (SQLite database, generated operator token, Data Protection keys):
/// <c>Platform:DataDirectory</c>, absolute, or relative to the working directory the platform was started in — the same
/// folder whether it runs through <c>dotnet run</c> (the project sets RunWorkingDirectory) or as the built binary.
/// </summary>
public static class DataFolder
{
    /// <summary>The file written into the folder so that git never picks it up, wherever it lands in a clone.</summary>
    public const string GitIgnoreFile = ".gitignore";

    public static string Resolve(PlatformOptions options) => Resolve(options.DataDirectory);

    public static string Resolve(string? configured) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? PlatformOptions.DefaultDataDirectory : configured.Trim(),
            Environment.CurrentDirectory);

    /// <summary>Creates the folder when missing, with a <c>.gitignore</c> of <c>*</c>: it holds a database and a secret.</summary>
    public static string EnsureCreated(PlatformOptions options)
    {
        var path = Resolve(options);
        Directory.CreateDirectory(path);
        var ignore = Path.Combine(path, GitIgnoreFile);
        if (!File.Exists(ignore))
        {
            try
            {
                File.WriteAllText(ignore, "# Written by Commerce Services: this folder holds a database and the operator token; never commit it.\n*\n");
            }
            catch (IOException)
            {
                // Another node sharing the folder wrote it at the same moment; either copy says the same.
            }
        }

        return path;
    }
}
