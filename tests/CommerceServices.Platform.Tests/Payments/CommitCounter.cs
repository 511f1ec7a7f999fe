using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CommerceServices.Platform.Tests.Payments;

/// <summary>
/// Counts the platform's commits that touch Payment Services' tables: transactions that ran a statement on them, and
/// statements that wrote them outside any transaction (each its own commit). Other features' writes (last use of keys)
/// are not counted.
/// </summary>
public sealed class CommitCounter : DbCommandInterceptor, IDbTransactionInterceptor
{
    private static readonly string[] Tables = ["\"Payments\"", "\"PaymentRefunds\"", "\"PaymentIdempotencyKeys\"", "\"PaymentOperations\"", "\"OutboxEvents\"", "\"SandboxProcessorOperations\""];
    private readonly ConditionalWeakTable<DbTransaction, object> _touched = new();
    private int _commits;

    public int Commits => Volatile.Read(ref _commits);

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Seen(command);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Seen(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Seen(command);
        return base.ReaderExecuting(command, eventData, result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Seen(command);
        return base.NonQueryExecuting(command, eventData, result);
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(transaction);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(transaction);

    private void Seen(DbCommand command)
    {
        var text = command.CommandText;
        if (!Tables.Any(t => text.Contains(t, StringComparison.Ordinal)))
        {
            return;
        }

        if (command.Transaction is { } transaction)
        {
            _touched.AddOrUpdate(transaction, this);
        }
        else if (IsWrite(text))
        {
            Interlocked.Increment(ref _commits);
        }
    }

    private void Committed(DbTransaction transaction)
    {
        if (_touched.TryGetValue(transaction, out _))
        {
            _touched.Remove(transaction);
            Interlocked.Increment(ref _commits);
        }
    }

    private static bool IsWrite(string text) =>
        text.Contains("INSERT ", StringComparison.OrdinalIgnoreCase) || text.Contains("UPDATE ", StringComparison.OrdinalIgnoreCase)
        || text.Contains("DELETE ", StringComparison.OrdinalIgnoreCase);
}
