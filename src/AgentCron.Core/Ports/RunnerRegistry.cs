using AgentCron.Core.Model;

namespace AgentCron.Core.Ports;

/// <summary>The runners this daemon has, looked up by provider id or alias, case-insensitively.</summary>
public sealed class RunnerRegistry
{
    private readonly Dictionary<string, IAgentRunner> _byName = new(StringComparer.OrdinalIgnoreCase);

    public RunnerRegistry(IEnumerable<IAgentRunner> runners, string defaultProvider)
    {
        foreach (var runner in runners)
        {
            _byName[runner.Provider] = runner;
            foreach (var alias in runner.Aliases)
            {
                _byName[alias] = runner;
            }
        }

        Providers = [.. _byName.Values.Select(r => r.Provider).Distinct().Order(StringComparer.Ordinal)];
        DefaultProvider = Resolve(defaultProvider, "defaults.agent").Provider;
    }

    /// <summary>Canonical ids of every provider, sorted.</summary>
    public IReadOnlyList<string> Providers { get; }

    /// <summary>The provider used when a task names none.</summary>
    public string DefaultProvider { get; }

    /// <summary>The runner for <paramref name="provider"/> (blank = default); unknown → <see cref="InvalidFieldException"/> listing the valid ids.</summary>
    public IAgentRunner Resolve(string? provider, string field = "agent.provider")
    {
        if (string.IsNullOrWhiteSpace(provider))
        {
            return _byName[DefaultProvider];
        }

        return _byName.TryGetValue(provider.Trim(), out var runner)
            ? runner
            : throw new InvalidFieldException(field, $"unknown agent provider '{provider}'; valid providers: {string.Join(", ", Providers)}");
    }

    /// <summary>Resolves the provider, canonicalises it and lets the runner validate the rest of the selection.</summary>
    public AgentSelection Normalize(AgentSelection agent)
    {
        var runner = Resolve(agent.Provider);
        var normalized = agent with { Provider = runner.Provider };
        runner.Validate(normalized);
        return normalized;
    }
}
