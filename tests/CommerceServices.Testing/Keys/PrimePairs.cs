using System.Numerics;
using System.Security.Cryptography;

namespace CommerceServices.Testing.Keys;

/// <summary>
/// RSA-2048 keys made from primes of keys already generated: n = p·q for primes p and q of two different generated keys,
/// e = 65537, and d and the CRT values computed from them. A key costs microseconds instead of a generation's tens to
/// hundreds of milliseconds of one core. For tests and benchmarks only: anyone holding two keys that share a prime can
/// factor both. Compiled into the benchmarks' load tool as well (one source for both).
/// </summary>
public static class PrimePairs
{
    public static readonly BigInteger PublicExponent = 65537;

    /// <summary>The two primes of a generated key.</summary>
    public static (BigInteger P, BigInteger Q) PrimesOf(RSA rsa)
    {
        var parameters = rsa.ExportParameters(includePrivateParameters: true);
        return (Unsigned(parameters.P!), Unsigned(parameters.Q!));
    }

    /// <summary>True when p·q is a 2048-bit modulus (two 1024-bit primes whose product lost no top bit).</summary>
    public static bool MakeA2048BitModulus(BigInteger p, BigInteger q) => (p * q).GetBitLength() == 2048;

    /// <summary>The full private key of n = p·q: d = e⁻¹ mod λ(n), and the CRT values.</summary>
    public static RSAParameters PrivateParameters(BigInteger p, BigInteger q)
    {
        if (p < q)
        {
            (p, q) = (q, p);
        }

        var lambda = (p - 1) / BigInteger.GreatestCommonDivisor(p - 1, q - 1) * (q - 1);
        var d = ModularInverse(PublicExponent, lambda);
        return new RSAParameters
        {
            Modulus = BigEndian(p * q, 256),
            Exponent = BigEndian(PublicExponent, 3),
            D = BigEndian(d, 256),
            P = BigEndian(p, 128),
            Q = BigEndian(q, 128),
            DP = BigEndian(d % (p - 1), 128),
            DQ = BigEndian(d % (q - 1), 128),
            InverseQ = BigEndian(ModularInverse(q, p), 128),
        };
    }

    /// <summary>a⁻¹ mod m by the extended Euclidean algorithm (a and m coprime).</summary>
    public static BigInteger ModularInverse(BigInteger a, BigInteger m)
    {
        BigInteger oldR = a % m, r = m, oldS = 1, s = 0;
        while (!r.IsZero)
        {
            var quotient = oldR / r;
            (oldR, r) = (r, oldR - quotient * r);
            (oldS, s) = (s, oldS - quotient * s);
        }

        if (!oldR.IsOne)
        {
            throw new ArgumentException("not invertible", nameof(a));
        }

        return (oldS % m + m) % m;
    }

    public static BigInteger Unsigned(byte[] bigEndian) => new(bigEndian, isUnsigned: true, isBigEndian: true);

    /// <summary>The value big-endian, left-padded with zeros to <paramref name="length"/> bytes.</summary>
    public static byte[] BigEndian(BigInteger value, int length)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        if (bytes.Length > length)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "longer than the field");
        }

        var padded = new byte[length];
        bytes.CopyTo(padded, length - bytes.Length);
        return padded;
    }
}
