using System.Text;

namespace AgentCron.Cli.Output;

/// <summary><c>Key:  value</c> lines with aligned values; multi-line values continue indented under the value column.</summary>
public sealed class KeyValues
{
    private readonly List<(string Key, string Value)> _lines = [];

    /// <summary>Adds a line; null or empty values are left out.</summary>
    public KeyValues Add(string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
            _lines.Add((key, value));
        return this;
    }

    public override string ToString()
    {
        var width = _lines.Count == 0 ? 0 : _lines.Max(l => l.Key.Length) + 2;
        var text = new StringBuilder();
        foreach (var (key, value) in _lines)
        {
            var lines = value.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
            text.Append((key + ":").PadRight(width)).Append(lines[0].TrimEnd()).Append('\n');
            foreach (var more in lines.Skip(1))
                text.Append(new string(' ', width)).Append(more.TrimEnd()).Append('\n');
        }
        return text.ToString();
    }
}
