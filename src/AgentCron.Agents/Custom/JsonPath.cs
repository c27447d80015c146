using System.Text.Json;
using AgentCron.Core;

namespace AgentCron.Agents.Custom;

/// <summary>
/// A small path into a JSON record, as custom CLIs are configured: dotted member names, where <c>name[]</c> steps into
/// every item of an array and <c>name[key=value]</c> into the items whose member <c>key</c> equals <c>value</c>.
/// Enough to reach a field of any CLI's records without a query language to learn.
/// </summary>
internal sealed class JsonPath
{
    private readonly IReadOnlyList<Step> _steps;

    private JsonPath(IReadOnlyList<Step> steps) => _steps = steps;

    /// <summary>Parses <paramref name="text"/>; throws <see cref="InvalidFieldException"/> on <paramref name="field"/>.</summary>
    public static JsonPath Parse(string text, string field)
    {
        var steps = new List<Step>();
        foreach (var segment in text.Split('.'))
        {
            var open = segment.IndexOf('[', StringComparison.Ordinal);
            var name = open < 0 ? segment : segment[..open];
            if (name.Length == 0 || name.IndexOfAny(['[', ']', '=']) >= 0 || (open >= 0 && !segment.EndsWith(']')))
            {
                throw new InvalidFieldException(field, $"'{text}' is not a path; write dotted member names, with name[] for every item of an array or name[key=value] for some (e.g. message.content[type=text].text)");
            }

            var filter = open < 0 ? null : segment[(open + 1)..^1];
            var equals = filter?.IndexOf('=', StringComparison.Ordinal) ?? -1;
            if (filter is { Length: > 0 } && equals <= 0)
            {
                throw new InvalidFieldException(field, $"'{segment}' in '{text}': write [] or [key=value]");
            }

            steps.Add(new Step(name, filter is not null, equals > 0 ? filter![..equals] : null, equals > 0 ? filter![(equals + 1)..] : null));
        }

        return new JsonPath(steps);
    }

    /// <summary>Every value the path reaches in <paramref name="root"/> (none when a member is missing).</summary>
    public IEnumerable<JsonElement> Evaluate(JsonElement root)
    {
        IEnumerable<JsonElement> current = [root];
        foreach (var step in _steps)
        {
            current = current.SelectMany(step.Apply);
        }

        return current;
    }

    /// <summary>A scalar as text: a string as it is, a number or boolean as written; null for objects, arrays and null.</summary>
    public static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => null,
    };

    private sealed record Step(string Name, bool IntoArray, string? Key, string? Value)
    {
        public IEnumerable<JsonElement> Apply(JsonElement element)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(Name, out var member))
            {
                return [];
            }

            if (!IntoArray)
            {
                return [member];
            }

            return member.ValueKind != JsonValueKind.Array
                ? []
                : member.EnumerateArray().Where(item => Key is null || (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(Key, out var key) && Scalar(key) == Value));
        }
    }
}

/// <summary>A configured field rule (<see cref="CustomJsonField"/>), parsed: the records it applies to and where its value is.</summary>
internal sealed class JsonFieldRule
{
    private readonly IReadOnlyList<(JsonPath Path, string Value)> _when;
    private readonly JsonPath? _path;

    private JsonFieldRule(IReadOnlyList<(JsonPath, string)> when, JsonPath? path)
    {
        _when = when;
        _path = path;
    }

    /// <summary>True when the rule reads something (its path is set).</summary>
    public bool IsSet => _path is not null;

    /// <summary>Parses a rule configured under <paramref name="field"/> (e.g. <c>Agents:Custom:goose:Jsonl:Text</c>).</summary>
    public static JsonFieldRule Parse(CustomJsonField field, string section)
    {
        var when = field.When.Select((condition, i) =>
        {
            var equals = condition.IndexOf('=', StringComparison.Ordinal);
            return equals > 0
                ? (JsonPath.Parse(condition[..equals], $"{section}:When:{i}"), condition[(equals + 1)..])
                : throw new Core.InvalidFieldException($"{section}:When:{i}", $"'{condition}' is not a condition; write path=value, e.g. type=message");
        }).ToList();
        return new JsonFieldRule(when, string.IsNullOrWhiteSpace(field.Path) ? null : JsonPath.Parse(field.Path.Trim(), $"{section}:Path"));
    }

    /// <summary>True when the rule is set and <paramref name="record"/> meets every condition.</summary>
    public bool Matches(JsonElement record) =>
        _path is not null && _when.All(c => c.Path.Evaluate(record).Any(v => JsonPath.Scalar(v) == c.Value));

    /// <summary>The scalar values at the path of a matching record, in order; empty otherwise.</summary>
    public IEnumerable<string> Values(JsonElement record) =>
        Matches(record) ? _path!.Evaluate(record).Select(JsonPath.Scalar).OfType<string>() : [];
}
