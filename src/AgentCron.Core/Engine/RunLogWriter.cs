using System.Text.Json;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Engine;

/// <summary>
/// Buffers one attempt's log entries and appends them to the store in order: in the background while the run goes (so
/// the log is readable live) and finally together with the run's result. The agent's entries stop at the configured size
/// (per attempt), with an entry saying so; the engine's own closing entry (<see cref="WriteFinal"/>) is always kept.
/// </summary>
public sealed class RunLogWriter(string runId, int attempt, long maxBytes, TimeProvider time) : IRunLogWriter
{
    private readonly Lock _gate = new();
    private List<NewRunLogEvent> _pending = [];
    private long _bytes;
    private bool _truncated;

    public string RunId { get; } = runId;

    public void Write(string type, object data)
    {
        var element = JsonSerializer.SerializeToElement(data);
        lock (_gate)
        {
            if (_truncated)
            {
                return;
            }

            _bytes += element.GetRawText().Length + type.Length;
            if (_bytes > maxBytes)
            {
                _truncated = true;
                element = JsonSerializer.SerializeToElement(new { reason = $"the log reached its limit of {maxBytes:N0} bytes; later output is not kept" });
                type = "log.truncated";
            }

            _pending.Add(new NewRunLogEvent(time.GetUtcNow(), attempt, type, element));
        }
    }

    /// <summary>Gives back entries <see cref="Drain"/> took that could not be stored, ahead of any written since.</summary>
    public void PutBack(IReadOnlyList<NewRunLogEvent> entries)
    {
        lock (_gate)
        {
            _pending.InsertRange(0, entries);
        }
    }

    /// <summary>
    /// The engine's last entry of the attempt (how it ended), written even past the limit: it is small, and without it a
    /// truncated attempt's log would not say how the attempt ended.
    /// </summary>
    internal void WriteFinal(string type, object data)
    {
        var element = JsonSerializer.SerializeToElement(data);
        lock (_gate)
        {
            _pending.Add(new NewRunLogEvent(time.GetUtcNow(), attempt, type, element));
        }
    }

    /// <summary>Takes the entries written since the last call, in order.</summary>
    public IReadOnlyList<NewRunLogEvent> Drain()
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return [];
            }

            var drained = _pending;
            _pending = [];
            return drained;
        }
    }
}
