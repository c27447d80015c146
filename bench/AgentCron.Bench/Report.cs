using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace AgentCron.Bench;

/// <summary>Prints small aligned tables and appends one JSON line per scenario run to <c>artifacts/bench/&lt;scenario&gt;.jsonl</c>.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static Dictionary<string, object?> Machine() => new()
    {
        ["cores"] = Environment.ProcessorCount,
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["os"] = RuntimeInformation.OSDescription,
        ["arch"] = RuntimeInformation.ProcessArchitecture.ToString(),
        ["gc"] = GCSettings.IsServerGC ? "server" : "workstation",
        ["sqlite"] = SqliteVersion(),
        ["host"] = Environment.MachineName,
    };

    public static void PrintMachine()
    {
        var m = Machine();
        Console.WriteLine($"AgentCron bench — {m["cores"]} cores, {m["dotnet"]} ({m["arch"]}), {m["gc"]} GC, SQLite {m["sqlite"]}, {m["os"]}");
    }

    public static void Heading(string text)
    {
        Console.WriteLine();
        Console.WriteLine("## " + text);
    }

    /// <summary>Prints rows as an aligned table; the first row is the header.</summary>
    public static void Table(IReadOnlyList<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows.Max(r => r.Length)).Select(c => rows.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
        for (var i = 0; i < rows.Count; i++)
        {
            var line = new StringBuilder("  ");
            for (var c = 0; c < rows[i].Length; c++)
            {
                // Text columns (the first) left-aligned, figures right-aligned.
                line.Append(c == 0 ? rows[i][c].PadRight(widths[c]) : rows[i][c].PadLeft(widths[c])).Append("  ");
            }

            Console.WriteLine(line.ToString().TrimEnd());
            if (i == 0)
            {
                Console.WriteLine("  " + string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }
    }

    public static void Profile(StoreProfile profile)
    {
        List<string[]> rows = [["store call (engine)", "calls", "total ms", "mean ms", "max ms", "items"]];
        rows.AddRange(profile.Snapshot().Select(p => new[] { p.Method, N(p.Calls), F(p.TotalMs, 0), F(p.MeanMs, 2), F(p.MaxMs, 1), N(p.Items) }));
        Table(rows);
    }

    public static List<Dictionary<string, object?>> ProfileJson(StoreProfile profile) =>
        [.. profile.Snapshot().Select(p => new Dictionary<string, object?>
        {
            ["method"] = p.Method,
            ["calls"] = p.Calls,
            ["total_ms"] = Math.Round(p.TotalMs, 1),
            ["mean_ms"] = Math.Round(p.MeanMs, 3),
            ["max_ms"] = Math.Round(p.MaxMs, 1),
            ["items"] = p.Items,
        })];

    /// <summary>
    /// Appends one JSON line (scenario, time, machine, the file system the databases are on, figures) to
    /// <c>&lt;--out&gt;/&lt;scenario&gt;.jsonl</c>.
    /// </summary>
    public static string Append(BenchOptions options, string scenario, Dictionary<string, object?> figures)
    {
        Directory.CreateDirectory(options.Output);
        var line = new Dictionary<string, object?>
        {
            ["scenario"] = scenario,
            ["at"] = TimeProvider.System.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            ["machine"] = Machine(),
            ["storage"] = Storage.Of(options.TempRoot).ToJson(),
        };
        foreach (var (key, value) in figures)
        {
            line[key] = value;
        }

        var path = Path.Combine(options.Output, scenario + ".jsonl");
        File.AppendAllText(path, JsonSerializer.Serialize(line, Json) + "\n");
        return path;
    }

    public static string F(double value, int decimals = 1) => value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Mb(long bytes) => F(bytes / 1024d / 1024d, 0) + " MB";

    private static string SqliteVersion()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        connection.Open();
        return connection.ServerVersion;
    }
}
