using System.Data.Common;
using CommerceServices.Platform.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Data;

/// <summary>
/// Watches the platform's real database traffic from inside EF Core: counts the commands a test cares about, runs a
/// step just before a transaction begins (another writer getting in first), or fails a save (a crash at that point).
/// </summary>
public sealed class DatabaseProbe : IDbCommandInterceptor, IDbTransactionInterceptor, ISaveChangesInterceptor
{
    private int _count;
    private Func<Task>? _beforeNextTransaction;

    /// <summary>Which commands <see cref="Count"/> counts, by their SQL.</summary>
    public Func<string, bool> Counts { get; set; } = _ => false;

    public int Count => Volatile.Read(ref _count);

    /// <summary>When it answers true for a save, the save throws before anything of it is written.</summary>
    public Func<DbContext, bool> FailSaveWhen { get; set; } = _ => false;

    /// <summary>Adds the probe to the platform's <see cref="PlatformDbContext"/>.</summary>
    public void AddTo(IServiceCollection services) => services.ConfigureDbContext<PlatformDbContext>(o => o.AddInterceptors(this));

    /// <summary>Runs <paramref name="step"/> once, just before the next transaction begins, on a connection of its own.</summary>
    public void BeforeNextTransaction(Func<Task> step) => _beforeNextTransaction = step;

    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData,
        InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _beforeNextTransaction, null) is { } step)
        {
            await step();
        }

        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default) =>
        eventData.Context is { } context && FailSaveWhen(context)
            ? throw new InvalidOperationException("Simulated crash: the process died before this save.")
            : ValueTask.FromResult(result);

    public ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result,
        CancellationToken cancellationToken = default)
    {
        CountIfWatched(command);
        return ValueTask.FromResult(result);
    }

    public int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        CountIfWatched(command);
        return result;
    }

    public ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
        CancellationToken cancellationToken = default)
    {
        CountIfWatched(command);
        return ValueTask.FromResult(result);
    }

    private void CountIfWatched(DbCommand command)
    {
        if (Counts(command.CommandText))
        {
            Interlocked.Increment(ref _count);
        }
    }
}
