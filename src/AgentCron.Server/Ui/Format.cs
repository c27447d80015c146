using System.Globalization;

namespace AgentCron.Server.Ui;

/// <summary>Numbers as the UI shows them.</summary>
public static class Format
{
    public static string Duration(double? milliseconds) => milliseconds switch
    {
        null => "—",
        < 1000 => $"{milliseconds:0} ms",
        < 60_000 => $"{milliseconds / 1000:0.#} s",
        < 3_600_000 => $"{(int)(milliseconds / 60_000)} min {(int)(milliseconds % 60_000 / 1000)} s",
        _ => $"{(int)(milliseconds / 3_600_000)} h {(int)(milliseconds % 3_600_000 / 60_000)} min",
    };

    public static string Tokens(long? input, long? output) =>
        input is null && output is null ? "—" : string.Create(CultureInfo.InvariantCulture, $"{input ?? 0:N0} in / {output ?? 0:N0} out");

    public static string Cost(decimal? usd) => usd is { } cost ? string.Create(CultureInfo.InvariantCulture, $"${cost:0.0000}") : "—";
}
