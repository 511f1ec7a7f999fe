using System.Security.Cryptography;
using CommerceServices.Protocol.Keys;

namespace CommerceServices.Platform.Accounts.KeyGeneration;

/// <summary>
/// Makes one RSA-2048 key: the costly step (tens to hundreds of milliseconds of one core). Called only on the
/// <see cref="RsaKeyGenerator"/>'s own threads. A host may register its own (a test holds it to fill the queue).
/// </summary>
public class RsaKeySource
{
    public virtual RSA Create() => RsaPem.CreateKey();
}
