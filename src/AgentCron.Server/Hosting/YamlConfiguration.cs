using AgentCron.Core;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AgentCron.Server.Hosting;

/// <summary>
/// Reads <c>config.yaml</c> into configuration keys (<c>Engine:Lease</c>), remembering the line of each key so that a
/// value the daemon cannot use is reported with the file, line and key. Environment variables
/// (<c>AGENTCRON__SECTION__KEY</c>) are added after it and win.
/// </summary>
public sealed class YamlConfiguration
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.OrdinalIgnoreCase);

    private YamlConfiguration(string path) => Path = path;

    public string Path { get; }

    public Dictionary<string, string?> Values { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Loads <paramref name="path"/>; a syntax error throws <see cref="InvalidFieldException"/> whose field is <c>path:line:column</c>.</summary>
    public static YamlConfiguration Load(string path)
    {
        var config = new YamlConfiguration(path);
        try
        {
            using var reader = new StreamReader(path);
            var stream = new YamlStream();
            stream.Load(reader);
            if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is not YamlScalarNode { Value: null or "" })
            {
                config.Add("", stream.Documents[0].RootNode);
            }
        }
        catch (YamlException ex)
        {
            throw new InvalidFieldException($"{path}:{ex.Start.Line}:{ex.Start.Column}", ex.InnerException?.Message ?? ex.Message);
        }

        return config;
    }

    /// <summary>
    /// Where a key was written, for error messages: <c>config.yaml:12 (Engine:Lease)</c>; for a key the file leaves out,
    /// the line of the nearest section it belongs to (a channel missing its token: the channel's line).
    /// </summary>
    public string Locate(string key)
    {
        for (var at = key; at.Length > 0; at = at.LastIndexOf(':') is var colon and > 0 ? at[..colon] : "")
        {
            if (_lines.TryGetValue(at, out var line))
            {
                return $"{Path}:{line} ({key})";
            }
        }

        return $"{Path} ({key})";
    }

    /// <summary>True when the file sets <paramref name="key"/>, or a section it belongs to.</summary>
    public bool Has(string key) => _lines.ContainsKey(key) || (key.LastIndexOf(':') is var colon and > 0 && Has(key[..colon]));

    private void Add(string prefix, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (keyNode, value) in mapping.Children)
                {
                    var key = keyNode is YamlScalarNode { Value: { Length: > 0 } name }
                        ? name
                        : throw new InvalidFieldException($"{Path}:{keyNode.Start.Line}", "keys must be plain names");
                    var path = prefix.Length == 0 ? key : $"{prefix}:{key}";
                    _lines[path] = (int)keyNode.Start.Line; // sections too, so that an error about one (Agents:Custom:x) finds its line
                    Add(path, value);
                }

                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    Add($"{prefix}:{i}", sequence.Children[i]);
                }

                break;
            case YamlScalarNode scalar:
                if (prefix.Length == 0)
                {
                    throw new InvalidFieldException($"{Path}:{scalar.Start.Line}", "expected a mapping of sections (Engine:, Defaults:), found a plain value");
                }

                Values[prefix] = scalar.Value;
                _lines[prefix] = (int)scalar.Start.Line;
                break;
        }
    }
}
