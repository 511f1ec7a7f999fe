using System.Security.Cryptography;

namespace CommerceServices.Platform.Data;

/// <summary>Opaque, stable identifiers: a type prefix and 20 random lower-case base32 characters (100 bits).</summary>
public static class Ids
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string New(string prefix) =>
        string.Create(prefix.Length + 21, prefix, static (span, p) =>
        {
            p.AsSpan().CopyTo(span);
            span[p.Length] = '_';
            RandomNumberGenerator.GetItems<char>(Alphabet, span[(p.Length + 1)..].Length).CopyTo(span[(p.Length + 1)..]);
        });

    /// <summary>Sortable by creation time, for append-only tables read newest first.</summary>
    public static string NewSequential(string prefix) => $"{prefix}_{Guid.CreateVersion7():N}";
}
