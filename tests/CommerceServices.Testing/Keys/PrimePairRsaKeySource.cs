using System.Numerics;
using System.Security.Cryptography;
using CommerceServices.Platform.Accounts.KeyGeneration;

namespace CommerceServices.Testing.Keys;

/// <summary>
/// The key source of the in-process test platforms (<see cref="PlatformHost"/>): every key a distinct, valid RSA-2048
/// pair made from primes of keys generated earlier in the test run (<see cref="PrimePairs"/>). The platform's tests ask
/// for over a thousand keys; generated one by one they took about a tenth of the suite's CPU. The keys go through
/// everything else as any key would (PEM, fingerprint, signing, verification). Tests of key generation itself register
/// a source of their own.
/// </summary>
public sealed class PrimePairRsaKeySource : RsaKeySource
{
    private readonly Lock _gate = new();
    private readonly List<(BigInteger Value, int Source)> _primes = [];
    private int _first;
    private int _second;

    /// <summary>One source for the whole test process: its primes serve every host, and no two keys it makes are alike.</summary>
    public static PrimePairRsaKeySource Shared { get; } = new();

    /// <summary>How many RSA keys were generated for their primes so far.</summary>
    public int Generations
    {
        get
        {
            lock (_gate)
            {
                return _primes.Count / 2;
            }
        }
    }

    public override RSA Create()
    {
        var (p, q) = NextPair();
        var rsa = RSA.Create();
        rsa.ImportParameters(PrimePairs.PrivateParameters(p, q));
        return rsa;
    }

    /// <summary>
    /// Pairs (i, j), j &lt; i, of primes from different keys, in order of i: a key generated when the pairs run out
    /// adds two primes, each pairing with every earlier one (k keys give about 2k² keys).
    /// </summary>
    private (BigInteger P, BigInteger Q) NextPair()
    {
        lock (_gate)
        {
            while (true)
            {
                for (; _first < _primes.Count; _first++, _second = 0)
                {
                    while (_second < _first)
                    {
                        var (a, b) = (_primes[_first], _primes[_second++]);
                        if (a.Source != b.Source && PrimePairs.MakeA2048BitModulus(a.Value, b.Value))
                        {
                            return (a.Value, b.Value);
                        }
                    }
                }

                using var generated = RSA.Create(2048);
                var (p, q) = PrimePairs.PrimesOf(generated);
                var source = _primes.Count;
                _primes.Add((p, source));
                _primes.Add((q, source));
            }
        }
    }
}
