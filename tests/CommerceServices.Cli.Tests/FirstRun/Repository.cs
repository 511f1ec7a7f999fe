namespace CommerceServices.Cli.Tests.FirstRun;

/// <summary>The clone these tests were built from: its README, docs and projects.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "CommerceServices.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No CommerceServices.slnx above {AppContext.BaseDirectory}.");
    }
}
