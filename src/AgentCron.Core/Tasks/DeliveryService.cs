using AgentCron.Core.Contracts;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Tasks;

/// <summary>What clients can do with the outbox and the channels: list deliveries, retry one, check the channels, send a test message.</summary>
public sealed class DeliveryService(IAgentCronStore store, DeliveryPolicy policy, IEngine engine, TimeProvider time)
{
    public async Task<Delivery> GetAsync(string deliveryId, CancellationToken cancellationToken) =>
        await store.Deliveries.FindAsync(deliveryId, cancellationToken) ?? throw new NotFoundException($"delivery '{deliveryId}' does not exist");

    /// <summary>Makes a dead or waiting delivery due now, its tries counted from zero; a delivered one is a conflict (it would be posted twice).</summary>
    public async Task<Delivery> RetryAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var delivery = await store.Deliveries.RetryAsync(deliveryId, time.GetUtcNow(), cancellationToken) ?? throw new NotFoundException($"delivery '{deliveryId}' does not exist");
        engine.Wake();
        return delivery;
    }

    /// <summary>The configured channels; with <paramref name="check"/>, each asked at once whether its credentials work.</summary>
    public async Task<IReadOnlyList<ChannelView>> ChannelsAsync(bool check, CancellationToken cancellationToken)
    {
        var health = await Task.WhenAll(policy.Channels.All.Select(c => check ? c.CheckAsync(cancellationToken) : Task.FromResult(ChannelHealth.Unchecked("not checked"))));
        return [.. policy.Channels.All.Select((c, i) => new ChannelView(c.Name, c.Type, c.DefaultTo, health[i].Status, health[i].Problem))];
    }

    /// <summary>
    /// Sends a test message through channel <paramref name="name"/> now, outside the outbox, to <paramref name="place"/>
    /// (<c>PLACE[:THREAD]</c>; the channel's default place when null).
    /// </summary>
    public async Task<ChannelTestView> TestAsync(string name, string? place, CancellationToken cancellationToken)
    {
        var channel = policy.Channels.Find(name) ?? throw new NotFoundException(policy.Channels.Unknown(name));
        var target = DeliveryTarget.Parse(string.IsNullOrWhiteSpace(place) ? channel.Name : $"{channel.Name}:{place}", "thread");
        var to = target.To ?? channel.DefaultTo;
        if (to is null && channel.TakesPlace)
        {
            throw new InvalidFieldException("thread", $"channel '{channel.Name}' has no default place; name one, e.g. --thread C024BE91L");
        }

        var now = time.GetUtcNow();
        var result = new RunResult(
            "-",
            "AgentCron test message",
            Ids.New("test", now),
            1,
            "succeeded",
            now,
            $"If you can read this, AgentCron delivers to channel `{channel.Name}` ({channel.Type}).",
            null,
            null);
        try
        {
            var sent = await channel.SendAsync(new OutgoingMessage(result.RunId, result, to, target.Thread, ChunkCursor.Start), cancellationToken);
            return new ChannelTestView(channel.Name, sent.Outcome == SendOutcome.Delivered, sent.RemoteId, sent.Error);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Only the kind of failure: an exception's message may hold what the channel was configured with.
            return new ChannelTestView(channel.Name, false, null, $"{channel.Type} channel '{channel.Name}' failed: {ex.GetType().Name}");
        }
    }
}
