using AgentCron.Core.Ports;
using AgentCron.Core.Model;
using Xunit;

namespace AgentCron.TestKit.StoreCompliance;

/// <summary>Tasks that a run's agent creates: the per-run limit holds exactly under concurrency, across instances.</summary>
public abstract partial class StoreComplianceTests
{
    private const int MaxFollowUps = 5;

    [Fact]
    public async Task CreateFollowUpAsync_CreatesExactlyTheLimit_WhenManyArriveTogetherFromTwoInstances()
    {
        var creator = await InsertRunAsync(await CreateTaskAsync());
        var other = await OpenMigratedAsync();

        // Eight times the limit, all at once, half through another instance (a second daemon on the same database).
        var outcomes = await OutcomesAsync(Enumerable.Range(0, 8 * MaxFollowUps).Select(i =>
        {
            var task = FollowUp(creator);
            return (i % 2 == 0 ? Store : other).Tasks.CreateFollowUpAsync(task, NewRun(task), MaxFollowUps, None);
        }));

        Assert.Equal(MaxFollowUps, outcomes.Count(o => o is null));
        Assert.All(outcomes.OfType<Exception>(), e => Assert.Contains($"a run may create at most {MaxFollowUps}", Assert.IsType<ForbiddenException>(e).Message, StringComparison.Ordinal));
        var created = await CreatedByAsync(creator.Id);
        Assert.Equal(MaxFollowUps, created.Count);
        Assert.Equal(MaxFollowUps, created.Select(t => t.Slug).Distinct().Count());
        // Each created task came with its first run; a refused one left nothing behind.
        foreach (var task in created)
        {
            Assert.Single(await AllRunsAsync(task.Id));
        }

        Assert.Equal(MaxFollowUps + 1, (await AllRunsAsync()).Count);
    }

    [Fact]
    public async Task CreateFollowUpAsync_KeepsSlugsUniqueAndCountsOnlyWhatWasCreated_WhenConcurrentFollowUpsWantOneSlug()
    {
        var creator = await InsertRunAsync(await CreateTaskAsync());
        var other = await OpenMigratedAsync();

        var outcomes = await OutcomesAsync(Enumerable.Range(0, 3 * MaxFollowUps).Select(i =>
            (i % 2 == 0 ? Store : other).Tasks.CreateFollowUpAsync(FollowUp(creator, slug: "check-the-deploy"), null, MaxFollowUps, None)));

        Assert.Equal(1, outcomes.Count(o => o is null));
        Assert.All(outcomes.OfType<Exception>(), e => Assert.IsType<ConflictException>(e));
        Assert.Equal("check-the-deploy", Assert.Single(await CreatedByAsync(creator.Id)).Slug);

        // The refused attempts used none of the run's allowance: the rest of it is still there, and no more.
        for (var i = 1; i < MaxFollowUps; i++)
        {
            await Store.Tasks.CreateFollowUpAsync(FollowUp(creator), null, MaxFollowUps, None);
        }

        await Assert.ThrowsAsync<ForbiddenException>(() => other.Tasks.CreateFollowUpAsync(FollowUp(creator), null, MaxFollowUps, None));
        Assert.Equal(MaxFollowUps, (await CreatedByAsync(creator.Id)).Count);
    }

    [Fact]
    public async Task CreateFollowUpAsync_CountsEachRunAlone_WhenTwoRunsCreateAtOnce()
    {
        var task = await CreateTaskAsync();
        var first = await InsertRunAsync(task);
        var second = await InsertRunAsync(task);

        var outcomes = await OutcomesAsync(Enumerable.Range(0, 4 * MaxFollowUps).Select(i =>
            Store.Tasks.CreateFollowUpAsync(FollowUp(i % 2 == 0 ? first : second), null, MaxFollowUps, None)));

        Assert.Equal(2 * MaxFollowUps, outcomes.Count(o => o is null));
        Assert.Equal(MaxFollowUps, (await CreatedByAsync(first.Id)).Count);
        Assert.Equal(MaxFollowUps, (await CreatedByAsync(second.Id)).Count);
    }

    private AgentTask FollowUp(TaskRun creator, string? slug = null) =>
        NewTask(trigger: null, slug: slug) with { CreatedByRun = creator.Id };

    /// <summary>Starts every write before awaiting any; null for each that succeeded, else what it threw.</summary>
    private static async Task<List<Exception?>> OutcomesAsync(IEnumerable<Task> writes)
    {
        var started = writes.ToList();
        var outcomes = new List<Exception?>();
        foreach (var write in started)
        {
            try
            {
                await write;
                outcomes.Add(null);
            }
            catch (Exception ex) when (ex is ForbiddenException or ConflictException)
            {
                outcomes.Add(ex);
            }
        }

        return outcomes;
    }

    private async Task<List<AgentTask>> CreatedByAsync(string runId) => [.. (await AllTasksAsync()).Where(t => t.CreatedByRun == runId)];
}
