namespace CommerceServices.Platform.Data;

/// <summary>The <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>When empty with SQLite: <c>platform.db</c> in <c>Platform:DataDirectory</c>. Required for PostgreSQL.</summary>
    public string? ConnectionString { get; set; }
}

public enum StorageProvider
{
    Sqlite,
    PostgreSql,
}
