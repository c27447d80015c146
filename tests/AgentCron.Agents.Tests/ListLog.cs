using System.Text.Json;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.Tests;

/// <summary>Keeps what the runner logs, in order.</summary>
internal sealed class ListLog : IRunLogWriter
{
    private readonly Lock _gate = new();
    private readonly List<(string Type, JsonElement Data)> _entries = [];

    public Action<string>? OnStdout { get; set; }

    public IReadOnlyList<(string Type, JsonElement Data)> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public void Write(string type, object data)
    {
        var element = JsonSerializer.SerializeToElement(data);
        lock (_gate)
        {
            _entries.Add((type, element));
        }

        if (type == "stdout")
        {
            OnStdout?.Invoke(element.GetProperty("text").GetString()!);
        }
    }

    public List<string> Texts(string type) => [.. Entries.Where(e => e.Type == type).Select(e => e.Data.GetProperty("text").GetString()!)];
}
