using Npgsql;
using NpgsqlTypes;

namespace AgentCron.Postgres;

/// <summary>
/// Typed parameters and the three ways a statement is run. Every parameter carries its PostgreSQL type, so a null binds
/// as a typed null, and instants are sent in UTC (timestamptz takes no other offset).
/// </summary>
internal static class Sql
{
    public static NpgsqlParameter Text(string name, string? value) => Typed(name, NpgsqlDbType.Text, value);

    public static NpgsqlParameter Time(string name, DateTimeOffset? value) => Typed(name, NpgsqlDbType.TimestampTz, value?.ToUniversalTime());

    public static NpgsqlParameter Int(string name, int? value) => Typed(name, NpgsqlDbType.Integer, value);

    public static NpgsqlParameter Long(string name, long? value) => Typed(name, NpgsqlDbType.Bigint, value);

    public static NpgsqlParameter Bool(string name, bool value) => Typed(name, NpgsqlDbType.Boolean, value);

    public static NpgsqlParameter Interval(string name, TimeSpan value) => Typed(name, NpgsqlDbType.Interval, value);

    public static NpgsqlParameter Numeric(string name, decimal? value) => Typed(name, NpgsqlDbType.Numeric, value);

    public static NpgsqlParameter TextArray(string name, IEnumerable<string> values) => Typed(name, NpgsqlDbType.Array | NpgsqlDbType.Text, values.ToArray());

    public static async Task<List<T>> QueryAsync<T>(NpgsqlConnection connection, string sql, IReadOnlyList<NpgsqlParameter> parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, IReadOnlyList<NpgsqlParameter> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The first column of the first row, or default when there is no row or it is NULL.</summary>
    public static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql, IReadOnlyList<NpgsqlParameter> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && !await reader.IsDBNullAsync(0, cancellationToken)
            ? reader.GetFieldValue<T>(0)
            : default;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, IReadOnlyList<NpgsqlParameter> parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static NpgsqlParameter Typed(string name, NpgsqlDbType type, object? value) =>
        new(name, type) { Value = value ?? DBNull.Value };
}
