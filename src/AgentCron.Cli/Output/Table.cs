using System.Text;

namespace AgentCron.Cli.Output;

/// <summary>A plain-text table: left-aligned columns two spaces apart, the last column unpadded.</summary>
public sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    /// <summary>The widest a cell may be; longer text is cut with an ellipsis.</summary>
    public int MaxCellWidth { get; init; } = 60;

    public int RowCount => _rows.Count;

    public Table Add(params string?[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != headers.Length)
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}", nameof(cells));
        _rows.Add(cells.Select(c => Cell(c, MaxCellWidth)).ToArray());
        return this;
    }

    public override string ToString()
    {
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Prepend(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var row in _rows.Prepend(headers))
        {
            for (var i = 0; i < row.Length; i++)
            {
                if (i == row.Length - 1)
                    text.Append(row[i]);
                else
                    text.Append(row[i].PadRight(widths[i] + 2));
            }
            // Trailing spaces come from empty last cells; trim them so output diffs cleanly.
            var end = text.Length;
            while (end > 0 && text[end - 1] == ' ')
                end--;
            text.Length = end;
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>One line of at most <paramref name="max"/> characters: newlines and tabs become spaces.</summary>
    public static string Cell(string? text, int max)
    {
        if (string.IsNullOrEmpty(text))
            return TimeText.None;
        var line = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= max ? line : line[..Math.Max(0, max - 1)].TrimEnd() + "…";
    }
}
