namespace AgentCron.Server.Tests.Support;

/// <summary>One Server-Sent Event as the stream carried it.</summary>
public sealed record ServerSentEvent(string? Id, string Type, string Data);

/// <summary>A minimal <c>text/event-stream</c> reader: fields per line, an event per blank line, comments skipped.</summary>
public static class ServerSentEvents
{
    public static async IAsyncEnumerable<ServerSentEvent> ReadAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream);
        string? id = null;
        string? type = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0 || type is not null)
                {
                    yield return new ServerSentEvent(id, type ?? "message", string.Join('\n', data));
                }

                id = null;
                type = null;
                data.Clear();
                continue;
            }

            if (line.StartsWith(':'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (name)
            {
                case "id":
                    id = value;
                    break;
                case "event":
                    type = value;
                    break;
                case "data":
                    data.Add(value);
                    break;
            }
        }
    }
}
