using System.Text.RegularExpressions;
using AgentCron.Core;

namespace AgentCron.Agents.Custom;

/// <summary>
/// A configured argv with placeholders (<c>{prompt}</c>, <c>{session}</c>, <c>{model}</c>, <c>{cwd}</c>). An element
/// that is exactly <c>{arguments}</c> marks where the posture's and the configured extra arguments go (at the end when
/// it is missing). An element written in square brackets, <c>[-m {model}]</c>, is an optional group of space-separated
/// words: passed when each of its placeholders has a value, left out as a whole when one has none — so a flag never
/// goes without its value. Elsewhere a placeholder without a value is an error.
/// </summary>
internal sealed partial class ArgvTemplate
{
    /// <summary>The placeholders a template may use.</summary>
    public static readonly IReadOnlyList<string> Names = ["prompt", "session", "model", "cwd"];

    private const string ArgumentsSlot = "{arguments}";

    private readonly IReadOnlyList<Element> _elements;

    private ArgvTemplate(IReadOnlyList<Element> elements) => _elements = elements;

    /// <summary>Parses a configured list; throws <see cref="InvalidFieldException"/> on <paramref name="field"/> naming the bad element.</summary>
    public static ArgvTemplate Parse(IReadOnlyList<string> template, string field)
    {
        var elements = new List<Element>();
        for (var i = 0; i < template.Count; i++)
        {
            var text = template[i];
            foreach (Match match in Placeholder().Matches(text))
            {
                if (!Names.Contains(match.Groups[1].Value) && match.Value != ArgumentsSlot)
                {
                    throw new InvalidFieldException($"{field}:{i}", $"unknown placeholder {match.Value}; use {string.Join(", ", Names.Select(n => $"{{{n}}}"))} or an element that is exactly {ArgumentsSlot}");
                }
            }

            var isGroup = text.StartsWith('[') && text.EndsWith(']') && text.Length > 1;
            var words = isGroup ? text[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [text];
            if ((text.Contains(ArgumentsSlot, StringComparison.Ordinal) && text != ArgumentsSlot) || (isGroup && words.Length == 0))
            {
                throw new InvalidFieldException($"{field}:{i}", isGroup ? "an optional group needs words: [-m {model}]" : $"{ArgumentsSlot} must be an element of its own");
            }

            elements.Add(new Element(words, isGroup, text == ArgumentsSlot));
        }

        return new ArgvTemplate(elements);
    }

    /// <summary>True when <paramref name="name"/> appears anywhere (in or out of an optional group).</summary>
    public bool Uses(string name) => _elements.Any(e => e.Words.Any(w => w.Contains($"{{{name}}}", StringComparison.Ordinal)));

    /// <summary>True when <paramref name="name"/> appears outside an optional group, so the invocation needs a value for it.</summary>
    public bool Requires(string name) => _elements.Any(e => !e.IsGroup && e.Words.Any(w => w.Contains($"{{{name}}}", StringComparison.Ordinal)));

    /// <summary>
    /// The argv for <paramref name="values"/> (a null value: not available), with <paramref name="arguments"/> where
    /// <c>{arguments}</c> stands or at the end.
    /// </summary>
    public IReadOnlyList<string> Expand(IReadOnlyDictionary<string, string?> values, IReadOnlyList<string> arguments)
    {
        var argv = new List<string>();
        foreach (var element in _elements)
        {
            if (element.IsArgumentsSlot)
            {
                argv.AddRange(arguments);
            }
            else if (!element.IsGroup || element.Words.All(w => Placeholder().Matches(w).All(m => values[m.Groups[1].Value] is not null)))
            {
                argv.AddRange(element.Words.Select(w => Placeholder().Replace(w, m => values[m.Groups[1].Value]
                    ?? throw new InvalidFieldException($"agent.{m.Groups[1].Value}", $"is required: this provider's argv passes {m.Value}"))));
            }
        }

        if (!_elements.Any(e => e.IsArgumentsSlot))
        {
            argv.AddRange(arguments);
        }

        return argv;
    }

    [GeneratedRegex(@"\{([a-z]+)\}")]
    private static partial Regex Placeholder();

    private sealed record Element(IReadOnlyList<string> Words, bool IsGroup, bool IsArgumentsSlot);
}
