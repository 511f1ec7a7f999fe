namespace CommerceServices.Cli.Commands;

/// <summary>Writes a private key to a file that did not exist, readable and writable by its owner only (0600).</summary>
internal static class PrivateKeyFile
{
    public static bool TryWriteNew(string path, string pem, out string? problem)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Set at creation, so the key is never readable by others, not even for a moment.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, new System.Text.UTF8Encoding(false), options);
            writer.Write(pem.EndsWith('\n') ? pem : pem + "\n");
            problem = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = e.Message;
            return false;
        }
    }
}
