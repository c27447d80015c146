using System.Text.Json;

namespace AgentCron.Cli.Tests.EndToEnd;

/// <summary>
/// A file that every run's command appends "TASK RUN ATTEMPT" to, and what it must show. The records are exactly-once
/// (one run per occurrence); execution is at-least-once (a run whose daemon died or froze mid-attempt runs again as its
/// next attempt, docs/scheduling.md), so the journal may hold a run more than once, but never one attempt twice.
/// </summary>
public sealed class ExecutionJournal(string path)
{
    /// <summary>The command a task runs to note each execution.</summary>
    public string Command => $"sh -c 'echo \"$AGENTCRON_TASK_ID $AGENTCRON_RUN_ID $AGENTCRON_ATTEMPT\" >> {path}'";

    /// <summary>
    /// What has been noted so far: complete lines only, since a run may be mid-append while the file is read (the part
    /// after the last newline is a line still being written).
    /// </summary>
    public List<(string Task, string Run, int Attempt)> Entries()
    {
        if (!File.Exists(path)) return [];
        var text = File.ReadAllText(path);
        var complete = text[..(text.LastIndexOf('\n') + 1)];
        return [.. complete.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' '))
            .Select(f => (f[0], f[1], int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)))];
    }

    /// <summary>
    /// Every run succeeded and is the only run of its occurrence; no attempt ran twice; the attempt each run's record
    /// names ran; and nothing ran that has no record. Retries are allowed: they are not what this checks.
    /// </summary>
    public void AssertExactlyOnceRecords(IReadOnlyList<JsonElement> runs)
    {
        Assert.All(runs, r => Assert.True(r.GetProperty("status").GetString() == "succeeded", r.ToString()));
        var occurrences = runs.Select(r => (r.GetProperty("taskId").GetString(), r.GetProperty("occurrence").GetString())).ToList();
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count());

        var entries = Entries();
        var executions = entries.Select(e => (e.Run, e.Attempt)).ToList();
        var repeated = executions.GroupBy(e => e).Where(g => g.Count() > 1).Select(g => $"{g.Key.Run} attempt {g.Key.Attempt}").ToList();
        Assert.True(repeated.Count == 0, $"attempts that ran twice: {string.Join(", ", repeated)}");
        var ran = executions.ToHashSet();
        Assert.All(runs, r => Assert.Contains((r.GetProperty("id").GetString()!, r.GetProperty("attempt").GetInt32()), ran));
        var recorded = runs.Select(r => r.GetProperty("id").GetString()!).ToHashSet();
        Assert.All(entries, e => Assert.Contains(e.Run, recorded));
    }
}
