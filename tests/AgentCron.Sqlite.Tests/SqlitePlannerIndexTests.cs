using AgentCron.Core.Model;
using AgentCron.TestKit;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite.Tests;

/// <summary>The planner's due query must cost what is due, not what exists: SQLite has to answer it from <c>tasks_due</c>.</summary>
public sealed class SqlitePlannerIndexTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();

    public static TheoryData<string, bool> Queries => new()
    {
        { nameof(SqliteDialect.DueTasks), false },
        { nameof(SqliteDialect.DueTasks), true },
        { nameof(SqliteDialect.NextFireAt), false },
        { nameof(SqliteDialect.NextFireAt), true },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task PlannerQueries_UseTheTasksDueIndex_WithoutSortingOrScanning(string query, bool analyzed)
    {
        var path = _directory.File("plan.db");
        await using (var store = new SqliteStore(path, TimeProvider.System))
        {
            await store.MigrateAsync(CancellationToken.None);
            await Task.WhenAll(Enumerable.Range(0, 600).Select(i => store.Tasks.CreateAsync(
                new AgentTask
                {
                    Id = $"t_{i:D5}",
                    Slug = $"task-{i}",
                    Name = "task",
                    Instructions = "x",
                    // Most tasks are far in the future or paused; a few are due.
                    Status = i % 3 == 0 ? TaskState.Paused : TaskState.Active,
                    NextFireAt = i % 50 == 0 ? T0.AddMinutes(-1) : T0.AddDays(1 + i),
                    CreatedAt = T0,
                    UpdatedAt = T0,
                    Version = 1,
                },
                null,
                CancellationToken.None)));
        }

        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        if (analyzed)
        {
            using var analyze = connection.CreateCommand();
            analyze.CommandText = "ANALYZE";
            analyze.ExecuteNonQuery();
        }

        using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + (query == nameof(SqliteDialect.DueTasks) ? SqliteDialect.Instance.DueTasks : SqliteDialect.Instance.NextFireAt);
        if (query == nameof(SqliteDialect.DueTasks))
        {
            explain.Parameters.AddWithValue("@now", 0L);
            explain.Parameters.AddWithValue("@limit", 500);
        }
        var plan = new List<string>();
        using (var reader = explain.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        var text = string.Join(" | ", plan);
        Assert.Contains(plan, step => step.Contains("INDEX tasks_due", StringComparison.Ordinal));
        Assert.DoesNotContain("TEMP B-TREE", text, StringComparison.Ordinal);
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN tasks", StringComparison.Ordinal) && !step.Contains("INDEX tasks_due", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
