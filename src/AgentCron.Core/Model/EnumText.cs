using System.Collections.Concurrent;
using System.Text;

namespace AgentCron.Core.Model;

/// <summary>
/// The one text form of every enum, in the store, the API, the CLI and YAML: snake_case (<c>timed_out</c>,
/// <c>catch_up</c>). Parsing is case-insensitive and names the allowed values when it fails.
/// </summary>
public static class EnumText
{
    private static readonly ConcurrentDictionary<Enum, string> Names = new();

    public static string ToText<T>(T value)
        where T : struct, Enum => Names.GetOrAdd(value, v => Snake(v.ToString()));

    /// <summary>Parses a snake_case (or PascalCase) name; throws <see cref="InvalidFieldException"/> on <paramref name="field"/>.</summary>
    public static T Parse<T>(string? text, string field)
        where T : struct, Enum
    {
        var normalized = text?.Trim().Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (!string.IsNullOrEmpty(normalized) && !char.IsAsciiDigit(normalized[0]) && Enum.TryParse<T>(normalized, ignoreCase: true, out var value))
        {
            return value;
        }

        throw new InvalidFieldException(field, $"'{text}' is not allowed; use one of: {string.Join(", ", Values<T>())}");
    }

    public static IEnumerable<string> Values<T>()
        where T : struct, Enum => Enum.GetValues<T>().Select(v => ToText(v));

    private static string Snake(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }
}
