using System.Text;

namespace AgentCron.Channels;

/// <summary>
/// Splits a message into the chunks a chat platform takes in one post (Discord 2,000 characters, Telegram 4,096, a Slack
/// section about 3,000): between paragraphs where it can, else between lines, and a line longer than a chunk between
/// words, else anywhere but inside a character (a surrogate pair stays whole). A fenced code block that must be split is
/// closed at the end of each of its chunks and opened again, with its language, at the start of the next, so every chunk
/// shows as code what the message showed as code. Lengths are UTF-16 code units, as the platforms count them.
/// Paragraphs are rejoined with one blank line; a message of only white space has no chunks.
/// </summary>
public static class MessageChunks
{
    /// <summary>The chunks of <paramref name="text"/>, in order, none longer than <paramref name="limit"/>.</summary>
    public static IReadOnlyList<string> Split(string text, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 64);
        var chunks = new Packer(limit);
        foreach (var block in Blocks(text.Replace("\r\n", "\n", StringComparison.Ordinal)))
        {
            var whole = block.ToString();
            if (whole.Length <= limit)
            {
                chunks.Add(whole, "\n\n");
                continue;
            }

            var separator = "\n\n";
            foreach (var piece in block.Pieces(limit))
            {
                chunks.Add(piece, separator);
                separator = "\n";
            }
        }

        return chunks.Done();
    }

    /// <summary>Paragraphs (lines between blank lines) and fenced code blocks (opening fence to closing fence, blank lines included).</summary>
    private static IEnumerable<Block> Blocks(string text)
    {
        var lines = new List<string>();
        string? fence = null;
        foreach (var (line, kind, _) in Lines(text))
        {
            switch (kind)
            {
                case LineKind.Close:
                    yield return new Block(lines, fence, line);
                    lines = [];
                    fence = null;
                    break;
                case LineKind.Code:
                    lines.Add(line);
                    break;
                case LineKind.Open:
                    if (lines.Count > 0)
                    {
                        yield return new Block(lines, null, null);
                        lines = [];
                    }

                    fence = line;
                    break;
                default:
                    if (!string.IsNullOrWhiteSpace(line))
                    {
                        lines.Add(line);
                    }
                    else if (lines.Count > 0)
                    {
                        yield return new Block(lines, null, null);
                        lines = [];
                    }

                    break;
            }
        }

        // A fence the message never closed is closed here, so the last chunk does not leave the rest of the thread as code.
        if (fence is not null)
        {
            yield return new Block(lines, fence, Marker(fence));
        }
        else if (lines.Count > 0)
        {
            yield return new Block(lines, null, null);
        }
    }

    /// <summary>
    /// Each line of <paramref name="markdown"/> with what it is by the fence rules the chunks are cut by: a line of text,
    /// a line of code, a fence that opens a code block (with its language, if any) or one that closes it. Converters to a
    /// platform's markup walk a chunk with it.
    /// </summary>
    internal static IEnumerable<(string Line, LineKind Kind, string? Language)> Lines(string markdown)
    {
        string? fence = null;
        foreach (var line in markdown.Split('\n'))
        {
            if (fence is not null)
            {
                var closes = Closes(line, fence);
                yield return (line, closes ? LineKind.Close : LineKind.Code, null);
                fence = closes ? null : fence;
            }
            else if (Opens(line) is { } marker)
            {
                fence = line;
                var language = line.TrimStart(' ')[marker.Length..].Trim();
                yield return (line, LineKind.Open, language.Length > 0 ? language : null);
            }
            else
            {
                yield return (line, LineKind.Text, null);
            }
        }
    }

    /// <summary>The fence marker (three or more backticks or tildes) a line opens a code block with, if it does.</summary>
    private static string? Opens(string line)
    {
        var trimmed = line.TrimStart(' ');
        if (line.Length - trimmed.Length > 3 || trimmed.Length < 3 || trimmed[0] is not ('`' or '~'))
        {
            return null;
        }

        var marker = Marker(trimmed);
        // A backtick fence's language may not contain a backtick (CommonMark).
        return marker.Length >= 3 && !(marker[0] == '`' && trimmed[marker.Length..].Contains('`', StringComparison.Ordinal)) ? marker : null;
    }

    private static bool Closes(string line, string fence)
    {
        var marker = Marker(fence.TrimStart(' '));
        var trimmed = line.Trim();
        return trimmed.Length >= marker.Length && trimmed.All(c => c == marker[0]);
    }

    private static string Marker(string fence)
    {
        var trimmed = fence.TrimStart(' ');
        var length = 0;
        while (length < trimmed.Length && trimmed[length] == trimmed[0])
        {
            length++;
        }

        return trimmed[..length];
    }

    /// <summary>Cuts <paramref name="line"/> into pieces of at most <paramref name="room"/>: at the last space that fits (dropping it), else at the room, never inside a surrogate pair. An empty line is one empty piece.</summary>
    private static IEnumerable<string> Cut(string line, int room)
    {
        var rest = line;
        while (rest.Length > room)
        {
            var at = rest.LastIndexOf(' ', room, room + 1);
            if (at <= 0)
            {
                at = char.IsHighSurrogate(rest[room - 1]) ? room - 1 : room;
                yield return rest[..at];
                rest = rest[at..];
            }
            else
            {
                yield return rest[..at];
                rest = rest[(at + 1)..];
            }
        }

        if (rest.Length > 0 || line.Length == 0)
        {
            yield return rest;
        }
    }

    private sealed record Block(List<string> Lines, string? Open, string? Close)
    {
        public override string ToString() => Open is null
            ? string.Join('\n', Lines)
            : string.Join('\n', [Open, .. Lines, Close]);

        /// <summary>This block, longer than <paramref name="limit"/>, as pieces of at most that length, lines kept whole where they fit.</summary>
        public IEnumerable<string> Pieces(int limit)
        {
            // A code block's pieces each carry its fences; a fence too long to leave room for code is split as text.
            var wrapped = Open is not null && limit - Open.Length - Close!.Length - 2 >= 16;
            var room = wrapped ? limit - Open!.Length - Close!.Length - 2 : limit;
            var lines = wrapped ? Lines : Open is null ? Lines : [Open, .. Lines, Close!];
            var piece = new StringBuilder();
            var empty = true;
            foreach (var part in lines.SelectMany(line => Cut(line, room)))
            {
                if (!empty && piece.Length + 1 + part.Length > room)
                {
                    yield return Wrap(piece.ToString(), wrapped);
                    piece.Clear();
                    empty = true;
                }

                if (!empty)
                {
                    piece.Append('\n');
                }

                piece.Append(part);
                empty = false;
            }

            if (!empty)
            {
                yield return Wrap(piece.ToString(), wrapped);
            }
        }

        private string Wrap(string body, bool wrapped) => wrapped ? $"{Open}\n{body}\n{Close}" : body;
    }

    /// <summary>Fills chunks in order: a piece goes into the current chunk if it fits there, else it starts the next.</summary>
    private sealed class Packer(int limit)
    {
        private readonly List<string> _chunks = [];
        private readonly StringBuilder _current = new();

        public void Add(string piece, string separator)
        {
            if (_current.Length > 0 && _current.Length + separator.Length + piece.Length > limit)
            {
                _chunks.Add(_current.ToString());
                _current.Clear();
            }

            if (_current.Length > 0)
            {
                _current.Append(separator);
            }

            _current.Append(piece);
        }

        public List<string> Done()
        {
            if (_current.Length > 0)
            {
                _chunks.Add(_current.ToString());
            }

            return _chunks.Where(c => !string.IsNullOrWhiteSpace(c)).ToList();
        }
    }
}

/// <summary>What a line of a message is, by the fence rules of <see cref="MessageChunks"/>.</summary>
internal enum LineKind
{
    Text,
    Code,
    Open,
    Close,
}
