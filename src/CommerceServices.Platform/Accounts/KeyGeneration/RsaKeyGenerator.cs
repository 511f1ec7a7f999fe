using System.Diagnostics;
using System.Threading.Channels;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol.Keys;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Accounts.KeyGeneration;

/// <summary>
/// Makes RSA-2048 key pairs on a few dedicated threads (not thread-pool threads), fed by a bounded queue, so that a
/// request asking for a key waits without holding a thread and the gateway's requests keep every pool thread and at
/// least half the cores. A full queue refuses at once (<see cref="TryGenerate"/> answers null) rather than growing.
/// A request that goes away stops waiting; its key is then never made, or made and dropped.
/// </summary>
public sealed partial class RsaKeyGenerator : IDisposable
{
    private readonly Channel<Job> _queue;
    private readonly Thread[] _threads;
    private readonly RsaKeySource _source;
    private readonly ILogger<RsaKeyGenerator> _logger;
    private readonly int _queueLength;
    private long _averageGenerationTicks = Stopwatch.Frequency / 10; // a first guess of 100 ms, refined by each key made
    private int _waiting;
    private int _running;
    private long _generated;
    private long _abandoned;

    public RsaKeyGenerator(IOptions<KeyGenerationOptions> options, RsaKeySource source, ILogger<RsaKeyGenerator> logger)
    {
        _source = source;
        _logger = logger;
        _queueLength = options.Value.GenerationQueueLength;
        // Bounded, and never waiting for room: TryWrite fails when full, and the caller answers 503 at once.
        _queue = Channel.CreateBounded<Job>(new BoundedChannelOptions(_queueLength)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        _threads = new Thread[options.Value.EffectiveGenerationThreads];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"rsa-keygen-{i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>How many dedicated threads make keys.</summary>
    public int ThreadCount => _threads.Length;

    /// <summary>Requests waiting for a thread (a request that went away counts until a thread drops it).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Keys being made right now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Keys made since start, including those whose request had gone away.</summary>
    public long Generated => Interlocked.Read(ref _generated);

    /// <summary>Requests that stopped waiting before their key was handed over (the client went away).</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>How long a request arriving now would wait, from the keys made so far: the <c>Retry-After</c> of a refusal.</summary>
    public TimeSpan EstimatedWait
    {
        get
        {
            var perKey = Volatile.Read(ref _averageGenerationTicks) / (double)Stopwatch.Frequency;
            var ahead = Waiting + Running;
            return TimeSpan.FromSeconds(Math.Clamp(perKey * ahead / _threads.Length, 1, 60));
        }
    }

    /// <summary>
    /// Queues one key pair; the task completes with it, or is cancelled with <paramref name="cancellationToken"/>.
    /// Null when the queue is full: the caller refuses the request instead of waiting without bound.
    /// </summary>
    public Task<GeneratedKeyPair>? TryGenerate(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var job = new Job(cancellationToken);
        job.CancelWhenRequested(this); // before the job is queued, so a thread never disposes it half set up
        Interlocked.Increment(ref _waiting);
        if (!_queue.Writer.TryWrite(job))
        {
            Interlocked.Decrement(ref _waiting);
            job.Dispose();
            return null;
        }

        return job.Completion.Task;
    }

    public void Dispose()
    {
        // Ends the threads once the queue is drained; waiting requests still get their keys.
        _queue.Writer.TryComplete();
    }

    private void Work()
    {
        var reader = _queue.Reader;
        // A dedicated thread may block: it waits for work here instead of holding a pool thread.
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var job))
            {
                Interlocked.Decrement(ref _waiting);
                if (job.Completion.Task.IsCompleted)
                {
                    continue; // its request went away while it waited: no key is made for nobody
                }

                Interlocked.Increment(ref _running);
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    var pair = Make();
                    var took = Stopwatch.GetTimestamp() - started;
                    Interlocked.Increment(ref _generated);
                    // An average over about the last ten keys: RSA generation time varies a lot from key to key.
                    var average = Volatile.Read(ref _averageGenerationTicks);
                    Volatile.Write(ref _averageGenerationTicks, average + (took - average) / 10);
                    job.Completion.TrySetResult(pair); // if the request went away meanwhile, the key is dropped here
                }
                catch (Exception e)
                {
                    LogGenerationFailed(_logger, e);
                    job.Completion.TrySetException(e);
                }
                finally
                {
                    Interlocked.Decrement(ref _running);
                    job.Dispose();
                }
            }
        }
    }

    private GeneratedKeyPair Make()
    {
        using var rsa = _source.Create();
        return new GeneratedKeyPair(RsaPem.ExportPublicKey(rsa), RsaPem.ExportPrivateKeyPkcs8(rsa), KeyFingerprints.Of(rsa));
    }

    [LoggerMessage(EventId = PlatformLogEvents.KeyGenerationFailed, Level = LogLevel.Error, Message = "Making an RSA key pair failed; the request was answered with an error.")]
    private static partial void LogGenerationFailed(ILogger logger, Exception exception);

    private sealed class Job(CancellationToken cancellationToken) : IDisposable
    {
        private CancellationTokenRegistration _registration;

        // Asynchronous continuations: the request resumes on a pool thread, never on the generator's own.
        public TaskCompletionSource<GeneratedKeyPair> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void CancelWhenRequested(RsaKeyGenerator generator) =>
            _registration = cancellationToken.Register(static state =>
            {
                var (job, owner) = ((Job, RsaKeyGenerator))state!;
                if (job.Completion.TrySetCanceled(job.CancellationToken))
                {
                    Interlocked.Increment(ref owner._abandoned);
                }
            }, (this, generator));

        private CancellationToken CancellationToken => cancellationToken;

        public void Dispose() => _registration.Dispose();
    }
}
