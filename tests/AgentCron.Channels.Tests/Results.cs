namespace AgentCron.Channels.Tests;

/// <summary>Run results the channel tests send.</summary>
internal static class Results
{
    public static readonly RunResult Succeeded = new(
        "tsk_1", "check the deploy", "run_1", 2, "succeeded", new DateTimeOffset(2026, 12, 7, 9, 30, 0, TimeSpan.Zero), "all green", null, new Uri("https://agentcron.example/runs/run_1"));

    /// <summary>A success whose output is <paramref name="count"/> paragraphs of <paramref name="length"/> letters each (b…, c…, …).</summary>
    public static RunResult WithParagraphs(int count, int length) =>
        Succeeded with { Output = string.Join("\n\n", Enumerable.Range(1, count).Select(i => new string((char)('a' + i), length))) };
}
