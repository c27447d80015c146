using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Xunit;

namespace AgentCron.TestKit.StoreCompliance;

public abstract partial class StoreComplianceTests
{
    [Fact]
    public async Task AppendAsync_NumbersEntriesInOrder_AcrossCalls()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        var first = LogEntries("stdout", 1, 3);
        var second = LogEntries("stderr", 4, 2, attempt: 2);

        await Store.Logs.AppendAsync(run.Id, first, None);
        await Store.Logs.AppendAsync(run.Id, [], None);
        await Store.Logs.AppendAsync(run.Id, second, None);

        var log = await ReadLogAsync(run.Id);
        Assert.Equal([1L, 2, 3, 4, 5], log.Select(e => e.Seq));
        foreach (var (written, read) in first.Concat(second).Zip(log))
        {
            Assert.Equal((written.At, written.Attempt, written.Type, written.Data.GetRawText()), (read.At, read.Attempt, read.Type, read.Data.GetRawText()));
        }
    }

    [Fact]
    public async Task ReadAsync_ReturnsEntriesAfterSeq_UpToTheLimit()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        var otherRun = await InsertRunAsync(task);
        await Store.Logs.AppendAsync(run.Id, LogEntries("stdout", 1, 10), None);
        await Store.Logs.AppendAsync(otherRun.Id, LogEntries("stdout", 50, 3), None);

        Assert.Equal([3, 4, 5], Numbers(await Store.Logs.ReadAsync(run.Id, 2, 3, None)));
        Assert.Equal([10], Numbers(await Store.Logs.ReadAsync(run.Id, 9, 100, None)));
        Assert.Empty(await Store.Logs.ReadAsync(run.Id, 10, 100, None));
        Assert.Equal([50, 51, 52], Numbers(await ReadLogAsync(otherRun.Id)));
        Assert.Empty(await ReadLogAsync("r_missing"));
    }

    [Fact]
    public async Task ReadAsync_SeesAGaplessPrefix_WhileAnotherInstanceAppends()
    {
        var writer = await OpenMigratedAsync();
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);
        const int Batches = 40;

        var appending = Task.Run(async () =>
        {
            for (var b = 0; b < Batches; b++)
            {
                await writer.Logs.AppendAsync(run.Id, LogEntries("stdout", (b * 5) + 1, 5), None);
            }
        });

        // A follower, as `runs log --follow` does: read after the last seq seen until everything has arrived. Bounded by
        // a generous time, not by a number of reads: on a busy machine the writer may not commit its first batch for a
        // long stretch of reads.
        var followed = new List<RunLogEvent>();
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (followed.Count < Batches * 5)
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromMinutes(2), $"the follower saw {followed.Count} of {Batches * 5} entries");
            var next = await Store.Logs.ReadAsync(run.Id, followed.Count == 0 ? 0 : followed[^1].Seq, 7, None);
            followed.AddRange(next);

            // A read that was not cut by the limit ends where a whole batch ends: an append is never seen half done.
            if (next.Count < 7)
            {
                Assert.Equal(0, followed.Count % 5);
            }

            if (next.Count == 0)
            {
                // Nothing new: leave the cores to the writer for a moment instead of spinning against it.
                await Task.Delay(1);
            }
        }

        await appending;
        Assert.Equal(Enumerable.Range(1, Batches * 5).Select(i => (long)i), followed.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(1, Batches * 5), Numbers(followed));
    }

    [Fact]
    public async Task AppendAsync_ContinuesAfterTheCompletionTail()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);
        await Store.Logs.AppendAsync(run.Id, LogEntries("stdout", 1, 2), None);
        await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c => Finish(c, RunStatus.Succeeded, T0), LogEntries("attempt.finished", 3, 2), None);

        await Store.Logs.AppendAsync(run.Id, LogEntries("delivery", 5, 1), None);

        var log = await ReadLogAsync(run.Id);
        Assert.Equal([1L, 2, 3, 4, 5], log.Select(e => e.Seq));
        Assert.Equal([1, 2, 3, 4, 5], Numbers(log));
    }

    [Fact]
    public async Task AppendAsync_KeepsEachWritersOrderWithUniqueSeqs_WhenTwoInstancesAppendToOneRun()
    {
        var other = await OpenMigratedAsync();
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);

        async Task AppendAsync(IAgentCronStore store, int offset)
        {
            for (var b = 0; b < 20; b++)
            {
                await store.Logs.AppendAsync(run.Id, LogEntries("stdout", offset + (b * 3), 3), None);
            }
        }

        await Task.WhenAll(Task.Run(() => AppendAsync(Store, 1_000)), Task.Run(() => AppendAsync(other, 2_000)));

        var log = await ReadLogAsync(run.Id);
        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), log.Select(e => e.Seq));
        var numbers = Numbers(log);
        Assert.Equal(Enumerable.Range(1_000, 60), numbers.Where(n => n < 2_000));
        Assert.Equal(Enumerable.Range(2_000, 60), numbers.Where(n => n >= 2_000));
    }
}
