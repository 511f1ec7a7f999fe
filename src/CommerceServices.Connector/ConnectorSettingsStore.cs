using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.DataProtection;

namespace CommerceServices.Connector;

/// <summary>
/// The settings store: one JSON file, <c>connector.json</c>, in a folder of its own, with the Data Protection key ring
/// beside it in <c>keys/</c>. Private keys are encrypted with Data Protection before they reach the file. Every save
/// writes a new file, flushes it to disk and renames it over the old one, so a crash at any moment leaves either the
/// old or the new settings, complete, never a mix or a half-written file.
/// </summary>
public sealed class ConnectorSettingsStore
{
    public const string FileName = "connector.json";
    public const string KeyRingFolder = "keys";

    private const string Purpose = "CommerceServices.Connector.PrivateKey.v1";
    private const string TempPrefix = ".connector.";
    private const string TempSuffix = ".tmp";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Lazy<IDataProtector> _protector;
    private readonly Lock _gate = new();

    public ConnectorSettingsStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
        _protector = new Lazy<IDataProtector>(() =>
        {
            EnsureDirectory();
            return DataProtectionProvider
                .Create(new DirectoryInfo(Path.Combine(Directory, KeyRingFolder)),
                    options => options.SetApplicationName("CommerceServices.Connector"))
                .CreateProtector(Purpose);
        });
    }

    public string Directory { get; }

    public string FilePath => Path.Combine(Directory, FileName);

    /// <summary>
    /// Reads the settings. The first time, there are none: the instance id is made and saved at once, so it stays the
    /// same from then on.
    /// </summary>
    public ConnectorSettings Load() => LoadVersion().Settings;

    /// <summary>Replaces the stored settings, atomically.</summary>
    public void Save(ConnectorSettings settings) => SaveVersion(settings);

    /// <summary>
    /// The settings and the write time of the very file they were read from (taken from the open file, before its
    /// content is read), so a cache comparing write times never takes a newer file for the one it read.
    /// </summary>
    internal StoredVersion LoadVersion()
    {
        lock (_gate)
        {
            var stored = ReadFile();
            if (stored is not null)
            {
                return stored.Value;
            }

            var fresh = new ConnectorSettings { InstanceId = ConnectorSettings.NewInstanceId() };
            return new StoredVersion(fresh, Write(fresh));
        }
    }

    /// <summary>Saves atomically; returns the write time of the file now in place.</summary>
    internal DateTime SaveVersion(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_gate)
        {
            return Write(settings);
        }
    }

    /// <summary>The write time of the settings file now in place; <see cref="DateTime.MinValue"/> when there is none.</summary>
    internal DateTime CurrentWriteTime()
    {
        try
        {
            return File.Exists(FilePath) ? File.GetLastWriteTimeUtc(FilePath) : DateTime.MinValue;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConnectorStoreException($"The connector settings at '{FilePath}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Test seam: runs after a load has read the file's bytes, before it returns (another writer may write then).</summary>
    internal Action? AfterRead { get; set; }

    private StoredVersion? ReadFile()
    {
        byte[] bytes;
        DateTime writtenAt;
        try
        {
            // The time and the bytes come from the same open file: a rename over it meanwhile changes neither.
            using var handle = File.OpenHandle(FilePath);
            writtenAt = File.GetLastWriteTimeUtc(handle);
            bytes = new byte[RandomAccess.GetLength(handle)];
            var read = 0;
            while (read < bytes.Length)
            {
                var n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConnectorStoreException($"The connector settings at '{FilePath}' cannot be read: {e.Message}", e);
        }

        StoredSettings? stored;
        try
        {
            stored = JsonSerializer.Deserialize<StoredSettings>(bytes, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new ConnectorStoreException($"The connector settings at '{FilePath}' are damaged: they are not valid JSON.", e);
        }

        if (stored is null || string.IsNullOrWhiteSpace(stored.InstanceId))
        {
            throw new ConnectorStoreException($"The connector settings at '{FilePath}' are damaged: they have no instance id.");
        }

        AfterRead?.Invoke();
        return new StoredVersion(new ConnectorSettings
        {
            InstanceId = stored.InstanceId,
            Environment = GatewayEnvironments.TryParse(stored.Environment, out var environment) ? environment : null,
            Sandbox = Unprotect(stored.Sandbox, GatewayEnvironment.Sandbox),
            Production = Unprotect(stored.Production, GatewayEnvironment.Production),
            ProjectId = stored.ProjectId,
            DataSpaceId = stored.DataSpaceId,
            SandboxGatewayUrl = stored.SandboxGatewayUrl,
            ProductionGatewayUrl = stored.ProductionGatewayUrl,
        }, writtenAt);
    }

    private DateTime Write(ConnectorSettings settings)
    {
        var stored = new StoredSettings
        {
            Version = 1,
            InstanceId = settings.InstanceId,
            Environment = settings.Environment?.ToName(),
            Sandbox = Protect(settings.Sandbox),
            Production = Protect(settings.Production),
            ProjectId = settings.ProjectId,
            DataSpaceId = settings.DataSpaceId,
            SandboxGatewayUrl = settings.SandboxGatewayUrl,
            ProductionGatewayUrl = settings.ProductionGatewayUrl,
        };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(stored, JsonOptions);

        EnsureDirectory();
        RemoveStaleTempFiles();
        var temp = Path.Combine(Directory, $"{TempPrefix}{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            DateTime writtenAt;
            using (var file = new FileStream(temp, options))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
                writtenAt = File.GetLastWriteTimeUtc(file.SafeFileHandle);
            }

            // rename(2) replaces the old file in one step: readers see the old settings or the new ones. It keeps the
            // write time, so the time read above is the time of this version.
            File.Move(temp, FilePath, overwrite: true);
            return writtenAt;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new ConnectorStoreException($"The connector settings cannot be written to '{FilePath}': {e.Message}", e);
        }
    }

    private StoredKeys? Protect(EnvironmentKeys? keys) =>
        keys is null ? null : new StoredKeys
        {
            ApiKey = keys.ApiKey,
            PrivateKey = Convert.ToBase64String(_protector.Value.Protect(Encoding.UTF8.GetBytes(keys.PrivateKeyPem))),
        };

    private EnvironmentKeys? Unprotect(StoredKeys? stored, GatewayEnvironment environment)
    {
        if (stored?.ApiKey is not { Length: > 0 } apiKey || stored.PrivateKey is not { Length: > 0 } protectedKey)
        {
            return null;
        }

        try
        {
            var pem = Encoding.UTF8.GetString(_protector.Value.Unprotect(Convert.FromBase64String(protectedKey)));
            return new EnvironmentKeys(apiKey, pem);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            throw new ConnectorStoreException(
                $"The {environment.ToName()} private key in '{FilePath}' cannot be decrypted: the key ring in " +
                $"'{Path.Combine(Directory, KeyRingFolder)}' is missing or is not the one it was saved with. Enter the keys again.", e);
        }
    }

    private void EnsureDirectory()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Temp files left by a process that died before its rename; old enough not to be another writer's.</summary>
    private void RemoveStaleTempFiles()
    {
        foreach (var file in new DirectoryInfo(Directory).EnumerateFiles(TempPrefix + "*" + TempSuffix))
        {
            if (file.LastWriteTimeUtc < DateTime.UtcNow.AddMinutes(-1))
            {
                TryDelete(file.FullName);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next save to clean up.
        }
    }

    internal readonly record struct StoredVersion(ConnectorSettings Settings, DateTime WrittenAt);

    private sealed class StoredSettings
    {
        public int Version { get; set; }

        public string? InstanceId { get; set; }

        public string? Environment { get; set; }

        public StoredKeys? Sandbox { get; set; }

        public StoredKeys? Production { get; set; }

        public string? ProjectId { get; set; }

        public string? DataSpaceId { get; set; }

        public Uri? SandboxGatewayUrl { get; set; }

        public Uri? ProductionGatewayUrl { get; set; }
    }

    private sealed class StoredKeys
    {
        public string? ApiKey { get; set; }

        /// <summary>The PEM, encrypted with Data Protection, in base64.</summary>
        public string? PrivateKey { get; set; }
    }
}
