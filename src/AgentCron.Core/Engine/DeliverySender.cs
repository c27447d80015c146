using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// The outbox sender: claims due deliveries (<see cref="IDeliveryStore.ClaimAsync"/>, as many as it has free slots),
/// tries each on its channel in the background, and writes each try's outcome as <see cref="DeliveryPolicy.AfterTry"/>
/// decides it. It sleeps until the next delivery is due or it is woken (a run finished with deliveries, a retry). A slow
/// or dead channel holds only its own tries — each bounded by <see cref="DeliveryOptions.TryTimeout"/>, and at most half
/// the slots (<see cref="PerChannel"/>) — never runs or other channels.
/// </summary>
public sealed class DeliverySender(IAgentCronStore store, DeliveryPolicy policy, SchedulerOptions engine, TimeProvider time, ILogger logger, EngineHealth health)
{
    /// <summary>A claimed try stays this one's this much longer than it may take, so it ends (and is written) before another node may take it.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    private readonly WakeSignal _wake = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _tries = [];
    private readonly Dictionary<string, int> _perChannel = new(StringComparer.Ordinal);
    private readonly Random _random = new();

    private DeliveryOptions Options => policy.Options;

    /// <summary>Tries one channel may have in progress at once: half the slots, so a channel that hangs leaves the rest to the others.</summary>
    private int PerChannel => Math.Max(1, Options.Concurrency / 2);

    public void Wake() => _wake.Set();

    public Task RunAsync(CancellationToken cancellationToken) => EngineLoop.RunAsync(
        "deliveries", _wake, SendDueAsync, TimeSpan.FromSeconds(5), time, health, logger, cancellationToken);

    /// <summary>Waits for the tries in progress (stopping cancels them; their outcomes are still written).</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            return Task.WhenAll(_tries);
        }
    }

    /// <summary>
    /// One pass: claims what is due into the free slots and starts a try for each; returns how long to sleep. It reads
    /// when the next delivery is due before it claims, so a wake with nothing due (most wakes: any change to tasks wakes
    /// every loop) costs one read, not a write transaction.
    /// </summary>
    public async Task<TimeSpan> SendDueAsync(CancellationToken cancellationToken)
    {
        int free;
        List<string> skipping;
        lock (_lock)
        {
            free = Options.Concurrency - _tries.Count;
            // Claim no more than the busiest channel that may still take tries can take, so none goes over its share.
            var busiest = _perChannel.Values.Where(n => n < PerChannel).DefaultIfEmpty(0).Max();
            free = Math.Min(free, PerChannel - busiest);
            skipping = [.. _perChannel.Where(c => c.Value >= PerChannel).SelectMany(c => Names(c.Key))];
        }

        if (free <= 0)
        {
            // Every slot is trying: the end of a try wakes the loop.
            return engine.MaxIdle;
        }

        var now = time.GetUtcNow();
        var due = await store.Deliveries.NextDueAsync(cancellationToken);
        if (due is null || due > now)
        {
            return EngineLoop.Until(due, time, engine.MaxIdle);
        }

        // The owner names this claim, not just this node: with the try count it fences each try, also after a manual retry
        // counts tries from zero again.
        var owner = $"{engine.NodeId}/{Guid.NewGuid():N}";
        var claimed = await store.Deliveries.ClaimAsync(owner, now, now + Options.TryTimeout + Margin, free, skipping, cancellationToken);
        foreach (var delivery in claimed)
        {
            var channel = policy.Channels.Find(delivery.Delivery.Target.Channel)?.Name ?? "";
            Task attempt;
            lock (_lock)
            {
                _perChannel[channel] = _perChannel.GetValueOrDefault(channel) + 1;
                attempt = Task.Run(() => TryAsync(delivery, cancellationToken), CancellationToken.None);
                _tries.Add(attempt);
            }

            _ = attempt.ContinueWith(
                done =>
                {
                    lock (_lock)
                    {
                        _tries.Remove(done);
                        if (--_perChannel[channel] == 0)
                        {
                            _perChannel.Remove(channel);
                        }
                    }

                    _wake.Set();
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        // Nothing claimable although something is due (its channel is busy), or every slot taken: the end of a try wakes
        // the loop. Else look again at once: what is due next.
        return claimed.Count == 0 || claimed.Count == free ? engine.MaxIdle : TimeSpan.Zero;
    }

    /// <summary>The names a target may give <paramref name="channel"/> by: its own, and its type when it is the only one of that type.</summary>
    private IEnumerable<string> Names(string channel) =>
        policy.Channels.Find(channel) is { } found
            ? policy.Channels.Find(found.Type) == found ? [found.Name, found.Type] : [found.Name]
            : [];

    private async Task TryAsync(ClaimedDelivery claimed, CancellationToken stopping)
    {
        var (delivery, result) = claimed;
        var channel = policy.Channels.Find(delivery.Target.Channel);
        var to = delivery.Target.To ?? channel?.DefaultTo;
        SendResult sent;
        if (channel is null)
        {
            sent = new SendResult(SendOutcome.Failed, Error: policy.Channels.Unknown(delivery.Target.Channel));
        }
        else if (to is null && channel.TakesPlace)
        {
            sent = new SendResult(SendOutcome.Failed, Error: $"target '{delivery.Target}' names no place and channel '{channel.Name}' has no default (set To on it, or write {channel.Name}:PLACE)");
        }
        else
        {
            sent = await SendAsync(channel, new OutgoingMessage(
                delivery.Id,
                result with { RunUrl = Options.PublicUrl is { } site ? new Uri(new Uri(site.AbsoluteUri.TrimEnd('/') + "/"), $"runs/{result.RunId}") : null },
                to,
                delivery.Target.Thread,
                new ChunkCursor(delivery.ChunksSent, delivery.RemoteId) { Taken = cursor => KeepAsync(delivery, cursor) }), stopping);
        }

        var decision = policy.AfterTry(delivery, sent, channel, to, time.GetUtcNow(), _random);
        await WriteAsync(delivery, decision);
    }

    /// <summary>One try, given up at <see cref="DeliveryOptions.TryTimeout"/> or when the daemon stops; what a channel throws is a try to make again.</summary>
    private async Task<SendResult> SendAsync(IDeliveryChannel channel, OutgoingMessage message, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(Options.TryTimeout, time);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        try
        {
            return await channel.SendAsync(message, both.Token);
        }
        catch (OperationCanceledException) when (both.IsCancellationRequested)
        {
            return new SendResult(SendOutcome.Retry, Error: stopping.IsCancellationRequested ? "the daemon stopped during the try" : $"the try took longer than {Options.TryTimeout}");
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Channel {Channel} failed on delivery {DeliveryId}", channel.Name, message.DeliveryId);
            return new SendResult(SendOutcome.Retry, Error: $"{channel.Type} channel '{channel.Name}' failed: {ex.GetType().Name}");
        }
    }

    /// <summary>Keeps how far a message in chunks has got; best effort (a failure only means those chunks may be posted again).</summary>
    private async Task KeepAsync(Delivery delivery, ChunkCursor cursor)
    {
        try
        {
            await store.Deliveries.RecordProgressAsync(delivery, cursor, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Could not keep the progress of delivery {DeliveryId} ({Chunks} chunks): {Error}", delivery.Id, cursor.Sent, ex.Message);
        }
    }

    /// <summary>Writes a try's outcome, a few times if the store refuses; if it never takes it, the delivery is tried again when its try's time is up.</summary>
    private async Task WriteAsync(Delivery delivery, DeliveryDecision decision)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                if (!await store.Deliveries.FinishTryAsync(delivery, decision, CancellationToken.None))
                {
                    logger.LogWarning("Delivery {DeliveryId} try {Attempt} outlived its time and was taken again; its outcome ({Status}) is dropped", delivery.Id, delivery.Attempts, EnumText.ToText(decision.Status));
                }
                else if (decision.Status == DeliveryStatus.Dead)
                {
                    logger.LogWarning("Delivery {DeliveryId} of run {RunId} to {Target} is dead after {Attempts} tries: {Error}", delivery.Id, delivery.RunId, delivery.Target, delivery.Attempts, decision.Error);
                }

                return;
            }
            catch (Exception ex) when (tries < 5)
            {
                logger.LogWarning("Could not write the outcome of delivery {DeliveryId} ({Error}); trying again", delivery.Id, ex.Message);
                await Task.Delay(Backoff.Delay(tries, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), _random), time, CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Could not write the outcome of delivery {DeliveryId}; it is tried again when its try's time is up", delivery.Id);
                return;
            }
        }
    }
}
