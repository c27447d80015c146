using System.Text.Json;

namespace AgentCron.Agents.Cli;

/// <summary>Tolerant reads of the JSON that agent CLIs print: a missing member or one of another type is null, never an exception.</summary>
public static class JsonFields
{
    private const int MaxLoggedText = 4000;

    /// <summary>Parses a line as a JSON object; null when it is not one.</summary>
    public static JsonDocument? ParseObject(string line)
    {
        if (!line.TrimStart().StartsWith('{'))
        {
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string? Text(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static long? Number(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var number) ? number : null;

    public static decimal? Decimal(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.Number } value ? value.GetDecimal() : null;

    public static bool Flag(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.True };

    /// <summary>A member that is an object or array (or any value), or null.</summary>
    public static JsonElement? Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? value : null;

    /// <summary>The items of an array member; empty when there is none.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    /// <summary>The sum of the numeric members that are present; null when none is.</summary>
    public static long? Sum(JsonElement element, params string[] names)
    {
        var values = names.Select(n => Number(element, n)).Where(v => v is not null).ToList();
        return values.Count == 0 ? null : values.Sum();
    }

    /// <summary>A tool's output for the log: cut to a few KB so one large result cannot swamp it.</summary>
    public static string Shorten(string text) =>
        text.Length <= MaxLoggedText ? text : string.Concat(text.AsSpan(0, MaxLoggedText), "…");
}
