using System.Collections.Concurrent;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Tests.Engine;

/// <summary>
/// A channel for engine tests: records every message it is given and answers as the test scripts it (by default every
/// try is delivered, with the message's id <c>m{n}</c>); a scripted answer of null holds the try until released.
/// </summary>
internal sealed class RecordingChannel(string name, string type = "slack", bool startsThreads = false, string? defaultTo = "C-default") : IDeliveryChannel
{
    private readonly ConcurrentQueue<Func<OutgoingMessage, SendResult?>> _script = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    public string Name => name;

    public string Type => type;

    public string? DefaultTo => defaultTo;

    public bool TakesPlace => type != "webhook";

    public bool StartsThreads => startsThreads;

    public ConcurrentQueue<OutgoingMessage> Messages { get; } = new();

    /// <summary>The next tries answer these, in order; after them, every try is delivered.</summary>
    public RecordingChannel Answer(params Func<OutgoingMessage, SendResult?>[] answers)
    {
        foreach (var answer in answers)
        {
            _script.Enqueue(answer);
        }

        return this;
    }

    /// <summary>Lets tries that are held (a scripted null) end, with Retry.</summary>
    public void Release() => _release.TrySetResult();

    public async Task<SendResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        Messages.Enqueue(message);
        var n = Interlocked.Increment(ref _count);
        if (!_script.TryDequeue(out var answer))
        {
            return new SendResult(SendOutcome.Delivered, message.From.FirstId ?? $"m{n}", ChunksSent: 1);
        }

        if (answer(message) is { } scripted)
        {
            return scripted;
        }

        await _release.Task.WaitAsync(cancellationToken);
        return new SendResult(SendOutcome.Retry, Error: "held");
    }

    public Task<ChannelHealth> CheckAsync(CancellationToken cancellationToken) => Task.FromResult(ChannelHealth.Ok);
}
