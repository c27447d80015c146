using AgentCron.Core;
using AgentCron.Core.Engine;

namespace AgentCron.Server.Hosting;

/// <summary>
/// Binds configuration sections strictly — an unknown key or a value of the wrong type stops the daemon at start —
/// and names where the bad setting came from: <c>config.yaml:12 (Engine:Lease)</c>, or the environment variable.
/// </summary>
public static class Settings
{
    public static T Bind<T>(IConfiguration config, string section, YamlConfiguration? yaml)
        where T : new()
    {
        try
        {
            return config.GetSection(section).Get<T>(o => o.ErrorOnUnknownConfiguration = true) ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            // The binder says "… value 'soon' at 'Engine:Lease' to type …", or "… properties were not found on … : 'Leese'".
            var conversion = System.Text.RegularExpressions.Regex.Match(ex.Message, "at '([^']+)'");
            if (conversion.Success)
            {
                var key = conversion.Groups[1].Value;
                throw new InvalidFieldException(Where(yaml, key), $"'{config[key]}' is not a valid value ({ex.InnerException?.Message ?? "wrong type"})");
            }

            var unknown = ex.Message[(ex.Message.LastIndexOf(':') + 1)..].Trim().Trim('\'').Split("', '")[0];
            throw new InvalidFieldException(
                Where(yaml, $"{section}:{unknown}"),
                $"unknown setting in section {section}; known ones: {string.Join(", ", typeof(T).GetProperties().Select(p => p.Name))}");
        }
    }

    /// <summary>Range checks of the engine's settings.</summary>
    public static void Check(SchedulerOptions engine, YamlConfiguration? yaml)
    {
        Require(engine.MaxConcurrentRuns >= 1, "Engine:MaxConcurrentRuns", "must be at least 1");
        Require(engine.Lease >= TimeSpan.FromSeconds(1), "Engine:Lease", "must be at least 00:00:01");
        Require(engine.MisfireThreshold >= TimeSpan.Zero, "Engine:MisfireThreshold", "must not be negative");
        Require(engine.MaxCatchUpRuns >= 1, "Engine:MaxCatchUpRuns", "must be at least 1");
        Require(engine.RetryBaseDelay > TimeSpan.Zero && engine.RetryMaxDelay >= engine.RetryBaseDelay, "Engine:RetryMaxDelay", "must be at least Engine:RetryBaseDelay, which must be positive");
        Require(engine.MaxIdle >= TimeSpan.FromSeconds(1), "Engine:MaxIdle", "must be at least 00:00:01");
        Require(engine.PlanBatch >= 1 && engine.RetentionBatch >= 1, "Engine:PlanBatch", "batch sizes must be at least 1");
        Require(engine.RetentionKeepPerTask >= 1, "Engine:RetentionKeepPerTask", "must be at least 1");

        void Require(bool ok, string key, string reason)
        {
            if (!ok)
            {
                throw new InvalidFieldException(Where(yaml, key), reason);
            }
        }
    }

    /// <summary>Runs <paramref name="read"/> and, if it rejects the setting, says where the setting came from.</summary>
    public static T Located<T>(YamlConfiguration? yaml, string key, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidFieldException ex)
        {
            throw new InvalidFieldException(Where(yaml, key), ex.Reason);
        }
    }

    private static string Where(YamlConfiguration? yaml, string key) =>
        yaml is not null && yaml.Has(key) && Environment.GetEnvironmentVariable(EnvironmentName(key)) is null
            ? yaml.Locate(key)
            : Environment.GetEnvironmentVariable(EnvironmentName(key)) is not null ? EnvironmentName(key) : key;

    private static string EnvironmentName(string key) => "AGENTCRON__" + key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant();
}
