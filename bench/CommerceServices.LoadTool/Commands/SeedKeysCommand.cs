using System.CommandLine;
using System.Formats.Asn1;
using System.Diagnostics;
using System.Numerics;
using System.Security.Cryptography;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Registry;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Testing.Keys;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace CommerceServices.LoadTool.Commands;

/// <summary>
/// <c>loadtool seed-keys</c>: fills a platform database (already made by the platform's migrations, platform stopped)
/// with many valid accounts and key pairs, quickly. One RSA key generation per row would take hours, so it generates a
/// few hundred RSA-2048 keys and forms distinct genuine 2048-bit moduli n = p·q from primes of different keys
/// (k keys give about 2k²  moduli, all with e = 65537). Each account gets its default project, one active sandbox pair
/// and one active production pair, as the platform itself would make them. For the sandbox keys that will call, the
/// private key is rebuilt from the primes and one RS256 token is signed.
/// Table and column names, and how values are stored, come from the platform's own EF Core model.
/// </summary>
internal static class SeedKeysCommand
{
    private const int RowsPerBatch = 20_000;

    public static Command Build()
    {
        var count = new Option<int>("--count") { DefaultValueFactory = _ => 1_000_000, Description = "Key pairs to store (half sandbox, half production)." };
        var called = new Option<int>("--called") { DefaultValueFactory = _ => 10_000, Description = "Sandbox keys that get a signed token (--out)." };
        var fresh = new Option<int>("--fresh") { DefaultValueFactory = _ => 0, Description = "Further sandbox keys with a signed token (--fresh-out), for first calls." };
        var sqlite = new Option<FileInfo?>("--sqlite") { Description = "The platform's SQLite database file." };
        var postgres = new Option<string?>("--postgres") { Description = "The platform's PostgreSQL connection string." };
        var output = new Option<FileInfo>("--out") { Required = true, Description = "\"apiKey<TAB>token\" lines of the called keys." };
        var freshOutput = new Option<FileInfo?>("--fresh-out") { Description = "\"apiKey<TAB>token\" lines of the --fresh keys." };
        var allOutput = new Option<FileInfo?>("--all-out") { Description = "\"apiKey<TAB>environment\" lines of every seeded key." };
        var lifetime = new Option<int>("--lifetime-seconds") { DefaultValueFactory = _ => 290, Description = "exp = now + this (at most 300)." };
        var primesFile = new Option<FileInfo?>("--primes") { Description = "Reuse the primes in this file, or write them there (later runs skip generating them)." };
        var command = new Command("seed-keys", "Store many valid key pairs in a platform database without an RSA key generation per row.")
        {
            count, called, fresh, sqlite, postgres, output, freshOutput, allOutput, lifetime, primesFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sqliteFile = parse.GetValue(sqlite);
            var postgresConnection = parse.GetValue(postgres);
            if ((sqliteFile is null) == (postgresConnection is null))
            {
                await Console.Error.WriteLineAsync("Give exactly one of --sqlite and --postgres.");
                return 2;
            }

            var plan = new SeedPlan(parse.GetValue(count), parse.GetValue(called), parse.GetValue(fresh), parse.GetValue(lifetime));
            if (plan.Count < 2 || plan.Called + plan.Fresh > plan.Count / 2)
            {
                await Console.Error.WriteLineAsync("--count must be at least 2, and --called + --fresh at most half of it (the sandbox keys).");
                return 2;
            }

            await using var sink = sqliteFile is not null
                ? await RowSink.OpenSqliteAsync(sqliteFile.FullName, cancellationToken)
                : await RowSink.OpenPostgresAsync(postgresConnection!, cancellationToken);
            await SeedAsync(plan, sink, parse.GetValue(primesFile), parse.GetRequiredValue(output), parse.GetValue(freshOutput),
                parse.GetValue(allOutput), cancellationToken);
            return 0;
        });
        return command;
    }

    private sealed record SeedPlan(int Count, int Called, int Fresh, int LifetimeSeconds);

    private sealed record SeededKey(Account Account, Project? Project, KeyPair Pair, RSAParameters? PrivateKey);

    private static async Task SeedAsync(SeedPlan plan, RowSink sink, FileInfo? primesFile, FileInfo output, FileInfo? freshOutput,
        FileInfo? allOutput, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var primes = await LoadOrGeneratePrimesAsync(plan.Count, primesFile, cancellationToken);
        Console.WriteLine($"{primes.Count} primes from {primes.Select(p => p.Source).Distinct().Count()} RSA-2048 keys in {clock.Elapsed.TotalSeconds:F1} s");

        var moduli = DistinctModuli(primes).GetEnumerator();
        var now = DateTimeOffset.UtcNow;
        var signing = new List<(string ApiKey, RSAParameters PrivateKey)>(plan.Called + plan.Fresh);
        await using var all = allOutput is null ? null : new StreamWriter(allOutput.FullName);
        var insertClock = Stopwatch.StartNew();
        var rows = 0L;
        var storing = new Stopwatch();
        for (var first = 0; first < plan.Count; first += RowsPerBatch)
        {
            var size = Math.Min(RowsPerBatch, plan.Count - first);
            var pairs = new (BigInteger P, BigInteger Q)[size];
            for (var i = 0; i < size; i++)
            {
                if (!moduli.MoveNext())
                {
                    throw new InvalidOperationException("ran out of prime pairs");
                }

                pairs[i] = moduli.Current;
            }

            // Key i: account i/2, sandbox when even. The first sandbox keys call (--out), the next ones are --fresh.
            var batch = new SeededKey[size];
            var accountIds = new string[(size + 1) / 2];
            for (var a = 0; a < accountIds.Length; a++)
            {
                accountIds[a] = Ids.New("acc");
            }

            Parallel.For(0, size, i =>
            {
                var index = first + i;
                var accountId = accountIds[i / 2];
                var environment = index % 2 == 0 ? GatewayEnvironment.Sandbox : GatewayEnvironment.Production;
                var sandboxNumber = index / 2;
                var signs = environment == GatewayEnvironment.Sandbox && sandboxNumber < plan.Called + plan.Fresh;
                var (p, q) = pairs[i];
                var privateKey = signs ? PrimePairs.PrivateParameters(p, q) : (RSAParameters?)null;
                var spki = SubjectPublicKeyInfo(p * q);
                var pair = new KeyPair
                {
                    Id = Ids.New("key"),
                    AccountId = accountId,
                    Environment = environment,
                    ApiKey = ApiKeyFormat.Generate(environment),
                    PublicKeyPem = PemEncoding.WriteString("PUBLIC KEY", spki),
                    PublicKeyFingerprint = Convert.ToHexStringLower(SHA256.HashData(spki)),
                    Origin = KeyOrigin.Uploaded, // the platform never saw a private key of these
                    CreatedAt = now,
                    ActiveSlot = KeyPair.SlotOf(accountId, environment),
                };
                var owner = new Account { Id = accountId, Email = $"{accountId}@seed.example.com", Name = accountId, CreatedAt = now };
                batch[i] = new SeededKey(owner, i % 2 == 0 ? RegistryService.NewDefaultProject(accountId, now) : null, pair, privateKey);
            });
            EnsureSameAsDotnet(pairs[0].P * pairs[0].Q, batch[0].Pair.PublicKeyPem);

            storing.Start();
            await sink.WriteAsync(batch.Where(k => k.Pair.Environment == GatewayEnvironment.Sandbox).Select(k => k.Account), cancellationToken);
            await sink.WriteAsync(batch.Where(k => k.Project is not null).Select(k => k.Project!), cancellationToken);
            await sink.WriteAsync(batch.Select(k => k.Pair), cancellationToken);
            storing.Stop();
            rows += size;
            for (var i = 0; i < size; i++)
            {
                var key = batch[i];
                if (key.PrivateKey is { } privateKey)
                {
                    signing.Add((key.Pair.ApiKey, privateKey));
                }

                if (all is not null)
                {
                    await all.WriteLineAsync($"{key.Pair.ApiKey}\t{key.Pair.Environment.ToName()}");
                }
            }

            Console.Write($"\r{rows} key pairs stored");
        }

        storing.Start();
        await sink.CompleteAsync(cancellationToken);
        storing.Stop();
        var seconds = insertClock.Elapsed.TotalSeconds;

        // Signed last, so the tokens' lifetime (at most 5 minutes) is not spent while rows are stored.
        var tokens = new string[signing.Count];
        Parallel.For(0, signing.Count, i =>
        {
            using var rsa = RSA.Create();
            rsa.ImportParameters(signing[i].PrivateKey);
            tokens[i] = signing[i].ApiKey + "\t" + TokensCommand.Sign(rsa, 1, DateTimeOffset.UtcNow, plan.LifetimeSeconds)[0];
        });
        await File.WriteAllLinesAsync(output.FullName, tokens.Take(plan.Called), cancellationToken);
        if (freshOutput is not null)
        {
            await File.WriteAllLinesAsync(freshOutput.FullName, tokens.Skip(plan.Called), cancellationToken);
        }

        Console.WriteLine();
        Console.WriteLine($"{rows} key pairs ({(rows + 1) / 2} accounts and projects) in {seconds:F1} s: {rows / seconds:F0} key pairs/s; " +
                          $"{storing.Elapsed.TotalSeconds:F1} s of it writing; {plan.Called} called keys in {output.Name}; total {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>One prime, and the RSA key it came from (two primes of one key would give that key's own modulus).</summary>
    private sealed record Prime(BigInteger Value, int Source);

    /// <summary>
    /// The primes in <paramref name="file"/>, topped up with new keys' primes when they make fewer than
    /// <paramref name="count"/> moduli (the benchmarks share one file per run, so each key is generated once).
    /// </summary>
    private static async Task<List<Prime>> LoadOrGeneratePrimesAsync(int count, FileInfo? file, CancellationToken cancellationToken)
    {
        var stored = new List<Prime>();
        if (file is { Exists: true })
        {
            stored = (await File.ReadAllLinesAsync(file.FullName, cancellationToken)).Select(line => line.Split(' '))
                .Select(f => new Prime(BigInteger.Parse(f[1], System.Globalization.NumberStyles.HexNumber), int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture)))
                .ToList();
        }

        var sources = stored.Select(p => p.Source).Distinct().Count();
        if (PairsOf(sources) >= count)
        {
            return stored;
        }

        var firstSource = stored.Count == 0 ? 0 : stored.Max(p => p.Source) + 1;
        var primes = stored.Concat(GeneratePrimes(count, sources, firstSource)).ToList();
        if (file is not null)
        {
            // Leading 0 keeps the hex positive when parsed back.
            await File.WriteAllLinesAsync(file.FullName, primes.Select(p => $"{p.Source} 0{p.Value.ToString("x", System.Globalization.CultureInfo.InvariantCulture)}"), cancellationToken);
        }

        return primes;
    }

    /// <summary>k keys give 2k primes and 2k(2k-1)/2 - k pairs of primes of different keys.</summary>
    private static long PairsOf(int keys) => 2L * keys * (2 * keys - 1) / 2 - keys;

    /// <summary>
    /// 1024-bit primes from RSA-2048 keys generated on every core: enough that with the <paramref name="had"/> keys already
    /// there they make <paramref name="count"/> moduli. Sources are numbered from <paramref name="firstSource"/>.
    /// </summary>
    private static List<Prime> GeneratePrimes(int count, int had, int firstSource)
    {
        var keys = had + 1;
        while (PairsOf(keys) < count)
        {
            keys++;
        }

        keys -= had;
        var primes = new Prime[keys * 2];
        Parallel.For(0, keys, k =>
        {
            using var rsa = RSA.Create(2048);
            var (p, q) = PrimePairs.PrimesOf(rsa);
            primes[2 * k] = new Prime(p, firstSource + k);
            primes[2 * k + 1] = new Prime(q, firstSource + k);
        });

        // A prime p with gcd(e, p - 1) != 1 cannot be part of a key with e = 65537 (RSA key generation avoids them already).
        return primes.Where(p => BigInteger.GreatestCommonDivisor(PrimePairs.PublicExponent, p.Value - 1).IsOne).ToList();
    }

    private static IEnumerable<(BigInteger P, BigInteger Q)> DistinctModuli(List<Prime> primes)
    {
        for (var i = 0; i < primes.Count; i++)
        {
            for (var j = i + 1; j < primes.Count; j++)
            {
                if (primes[i].Source != primes[j].Source && PrimePairs.MakeA2048BitModulus(primes[i].Value, primes[j].Value))
                {
                    yield return (primes[i].Value, primes[j].Value);
                }
            }
        }
    }

    /// <summary>
    /// The DER SubjectPublicKeyInfo of (n, 65537), written directly: importing each modulus into an OpenSSL key only to
    /// export it again costs about a millisecond a row. <see cref="EnsureSameAsDotnet"/> checks it against .NET's own.
    /// </summary>
    private static byte[] SubjectPublicKeyInfo(BigInteger modulus)
    {
        var rsaPublicKey = new AsnWriter(AsnEncodingRules.DER);
        using (rsaPublicKey.PushSequence())
        {
            rsaPublicKey.WriteInteger(modulus);
            rsaPublicKey.WriteInteger(PrimePairs.PublicExponent);
        }

        var spki = new AsnWriter(AsnEncodingRules.DER);
        using (spki.PushSequence())
        {
            using (spki.PushSequence())
            {
                spki.WriteObjectIdentifier("1.2.840.113549.1.1.1"); // rsaEncryption
                spki.WriteNull();
            }

            spki.WriteBitString(rsaPublicKey.Encode());
        }

        return spki.Encode();
    }

    private static void EnsureSameAsDotnet(BigInteger modulus, string pem)
    {
        using var rsa = RSA.Create();
        rsa.ImportParameters(new RSAParameters { Modulus = PrimePairs.BigEndian(modulus, 256), Exponent = PrimePairs.BigEndian(PrimePairs.PublicExponent, 3) });
        if (rsa.ExportSubjectPublicKeyInfoPem() != pem)
        {
            throw new InvalidOperationException("the public key written by hand differs from the one .NET writes");
        }
    }

    /// <summary>
    /// Writes entities as rows of the platform's real tables: which table and columns, and what each value is stored as
    /// (e.g. times as Unix milliseconds, enums as names), come from the platform's EF Core model for that provider.
    /// </summary>
    internal abstract class RowSink(DbContextOptions<PlatformDbContext> options) : IAsyncDisposable
    {
        private readonly IModel _model = new PlatformDbContext(options).Model;

        public static async Task<RowSink> OpenSqliteAsync(string file, CancellationToken cancellationToken)
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException("Start the platform once so that it creates the database.", file);
            }

            var connectionString = $"Data Source={file};Pooling=False";
            var sink = new SqliteSink(connectionString);
            await sink.OpenAsync(cancellationToken);
            return sink;
        }

        public static async Task<RowSink> OpenPostgresAsync(string connectionString, CancellationToken cancellationToken)
        {
            var sink = new PostgresSink(connectionString);
            await sink.OpenAsync(cancellationToken);
            return sink;
        }

        public abstract Task WriteAsync<TEntity>(IEnumerable<TEntity> entities, CancellationToken cancellationToken) where TEntity : class;

        public abstract Task CompleteAsync(CancellationToken cancellationToken);

        public abstract ValueTask DisposeAsync();

        protected TableShape ShapeOf<TEntity>()
        {
            var entityType = _model.FindEntityType(typeof(TEntity)) ?? throw new InvalidOperationException($"{typeof(TEntity).Name} is not in the model");
            var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
            var columns = entityType.GetProperties().Select(property =>
            {
                if (property.IsShadowProperty())
                {
                    throw new InvalidOperationException($"{entityType.Name}.{property.Name} is a shadow property: the seeder cannot fill it");
                }

                var getter = property.GetGetter();
                var converter = property.GetTypeMapping().Converter;
                return new ColumnShape(property.GetColumnName(table)!, property.GetColumnType(),
                    entity => getter.GetClrValue(entity) is { } value ? converter is null ? value : converter.ConvertToProvider(value) : null);
            }).ToList();
            return new TableShape(table.Name, columns);
        }
    }

    internal sealed record ColumnShape(string Name, string StoreType, Func<object, object?> Value);

    internal sealed record TableShape(string Name, IReadOnlyList<ColumnShape> Columns)
    {
        public string ColumnList => string.Join(", ", Columns.Select(c => $"\"{c.Name}\""));
    }

    /// <summary>SQLite: every row in one transaction, through one prepared INSERT per table.</summary>
    private sealed class SqliteSink(string connectionString)
        : RowSink(new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite(connectionString).Options)
    {
        private readonly SqliteConnection _connection = new(connectionString);
        private readonly Dictionary<Type, (SqliteCommand Command, TableShape Shape)> _inserts = [];
        private SqliteTransaction? _transaction;

        public async Task OpenAsync(CancellationToken cancellationToken)
        {
            await _connection.OpenAsync(cancellationToken);
            _transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken);
        }

        public override async Task WriteAsync<TEntity>(IEnumerable<TEntity> entities, CancellationToken cancellationToken)
        {
            if (!_inserts.TryGetValue(typeof(TEntity), out var insert))
            {
                var shape = ShapeOf<TEntity>();
                var command = _connection.CreateCommand();
                command.Transaction = _transaction;
                command.CommandText = $"INSERT INTO \"{shape.Name}\" ({shape.ColumnList}) VALUES " +
                                      $"({string.Join(", ", shape.Columns.Select((_, i) => "$p" + i))})";
                for (var i = 0; i < shape.Columns.Count; i++)
                {
                    command.Parameters.Add(new SqliteParameter("$p" + i, null));
                }

                command.Prepare();
                _inserts[typeof(TEntity)] = insert = (command, shape);
            }

            foreach (var entity in entities)
            {
                for (var i = 0; i < insert.Shape.Columns.Count; i++)
                {
                    insert.Command.Parameters[i].Value = insert.Shape.Columns[i].Value(entity) ?? DBNull.Value;
                }

                insert.Command.ExecuteNonQuery(); // SQLite runs in-process: the async form only adds overhead
            }
        }

        public override Task CompleteAsync(CancellationToken cancellationToken) => _transaction!.CommitAsync(cancellationToken);

        public override async ValueTask DisposeAsync()
        {
            foreach (var (command, _) in _inserts.Values)
            {
                await command.DisposeAsync();
            }

            if (_transaction is not null)
            {
                await _transaction.DisposeAsync();
            }

            await _connection.DisposeAsync();
        }
    }

    /// <summary>PostgreSQL: binary COPY, one per table and batch, in one transaction.</summary>
    private sealed class PostgresSink(string connectionString)
        : RowSink(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(connectionString).Options)
    {
        private readonly NpgsqlConnection _connection = new(connectionString);
        private NpgsqlTransaction? _transaction;

        public async Task OpenAsync(CancellationToken cancellationToken)
        {
            await _connection.OpenAsync(cancellationToken);
            _transaction = await _connection.BeginTransactionAsync(cancellationToken);
        }

        public override async Task WriteAsync<TEntity>(IEnumerable<TEntity> entities, CancellationToken cancellationToken)
        {
            var shape = ShapeOf<TEntity>();
            await using var copy = await _connection.BeginBinaryImportAsync(
                $"COPY \"{shape.Name}\" ({shape.ColumnList}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var entity in entities)
            {
                await copy.StartRowAsync(cancellationToken);
                foreach (var column in shape.Columns)
                {
                    if (column.Value(entity) is { } value)
                    {
                        await copy.WriteAsync(value, column.StoreType, cancellationToken);
                    }
                    else
                    {
                        await copy.WriteNullAsync(cancellationToken);
                    }
                }
            }

            await copy.CompleteAsync(cancellationToken);
        }

        public override Task CompleteAsync(CancellationToken cancellationToken) => _transaction!.CommitAsync(cancellationToken);

        public override async ValueTask DisposeAsync()
        {
            if (_transaction is not null)
            {
                await _transaction.DisposeAsync();
            }

            await _connection.DisposeAsync();
        }
    }
}
