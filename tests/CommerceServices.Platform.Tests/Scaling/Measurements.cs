namespace CommerceServices.Platform.Tests.Scaling;

/// <summary>Figures the README reports, written to artifacts/measurements/NAME.txt at the repository's root.</summary>
internal static class Measurements
{
    public static void Write(string name, string text)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "CommerceServices.slnx")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            return;
        }

        var folder = Path.Combine(root.FullName, "artifacts", "measurements");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, name + ".txt"), $"{DateTimeOffset.UtcNow:O} {text}{Environment.NewLine}");
    }
}
