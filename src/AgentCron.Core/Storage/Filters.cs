using System.Data.Common;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Storage;

/// <summary>
/// A WHERE clause of only the conditions a query was given. Each combination is a statement of its own, so a prepared
/// statement's one plan suits every call of it, where <c>(@x IS NULL OR column = @x)</c> leaves a generic plan to scan
/// for the case without the filter.
/// </summary>
internal sealed class Filters
{
    private readonly List<string> _conditions = [];

    public List<DbParameter> Parameters { get; } = [];

    /// <summary>Adds <paramref name="condition"/>, which names <paramref name="parameter"/>, if the parameter has a value.</summary>
    public Filters Add(string condition, DbParameter parameter)
    {
        if (parameter.Value is not (null or DBNull))
        {
            _conditions.Add(condition);
            Parameters.Add(parameter);
        }

        return this;
    }

    public override string ToString() => _conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", _conditions);

    /// <summary>A keyset page of <paramref name="select"/>'s rows that match, in <paramref name="order"/> (<see cref="Paging"/>).</summary>
    public async Task<Page<T>> PageAsync<T>(
        SqlDialect dialect, DbConnection connection, string select, string order, int limit, Func<DbDataReader, T> read, Func<T, string> key, CancellationToken cancellationToken)
    {
        var rows = await dialect.QueryAsync(connection, $"{select} {this} ORDER BY {order} LIMIT @limit", [.. Parameters, dialect.Int("limit", limit + 1)], read, cancellationToken);
        return Paging.Page(rows, limit, key);
    }
}
