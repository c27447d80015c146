using System.Text.RegularExpressions;
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
            // The binder says "… value 'soon' at 'Engine:Lease' to type …", or "… properties were not found on the
            // instance of TYPE: 'Leese'" — for a member of a dictionary's value only in an inner exception.
            var messages = new List<string>();
            for (Exception? e = ex; e is not null; e = e.InnerException)
            {
                messages.Add(e.Message);
            }

            if (messages.Select(m => Regex.Match(m, "at '([^']+)'")).FirstOrDefault(m => m.Success) is { } conversion)
            {
                var invalid = conversion.Groups[1].Value;
                throw new InvalidFieldException(Where(yaml, invalid), $"'{config[invalid]}' is not a valid value ({ex.InnerException?.Message ?? "wrong type"})");
            }

            var notFound = messages.Select(m => Regex.Match(m, "instance of ([^:]+): '(.+)'$")).FirstOrDefault(m => m.Success);
            var unknown = notFound?.Groups[2].Value.Split("', '")[0] ?? "";
            var owner = notFound?.Groups[1].Value;
            var members = KnownTypes(typeof(T)).FirstOrDefault(t => t.Name == owner || t.FullName == owner) ?? typeof(T);

            // The unknown key's full path: the one under the section that ends with it.
            var key = config.GetSection(section).AsEnumerable()
                .Select(p => p.Key)
                .FirstOrDefault(k => k.EndsWith($":{unknown}", StringComparison.OrdinalIgnoreCase)) ?? $"{section}:{unknown}";
            throw new InvalidFieldException(
                Where(yaml, key),
                $"unknown setting '{unknown}' in {key[..key.LastIndexOf(':')]}; known ones: {string.Join(", ", members.GetProperties().Select(p => p.Name))}");
        }
    }

    /// <summary>A settings type and the types it holds (dictionary values, list items, nested records), for error messages.</summary>
    private static IEnumerable<Type> KnownTypes(Type type)
    {
        var seen = new HashSet<Type>();
        var pending = new Queue<Type>([type]);
        while (pending.TryDequeue(out var next))
        {
            if (!seen.Add(next) || next.Namespace?.StartsWith("System", StringComparison.Ordinal) == true && !next.IsGenericType)
            {
                continue;
            }

            yield return next;
            foreach (var inner in next.GetGenericArguments().Concat(next.GetProperties().Select(p => p.PropertyType)))
            {
                pending.Enqueue(inner);
            }
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

    /// <summary>Runs <paramref name="read"/> and, if it rejects a setting, says where that setting (the error's field) came from.</summary>
    public static T Located<T>(YamlConfiguration? yaml, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidFieldException ex)
        {
            throw new InvalidFieldException(Where(yaml, ex.Field), ex.Reason);
        }
    }

    /// <summary>Where <paramref name="key"/> was set: its line in config.yaml, the environment variable that overrides it, else the key itself.</summary>
    public static string Where(YamlConfiguration? yaml, string key) =>
        yaml is not null && yaml.Has(key) && Environment.GetEnvironmentVariable(EnvironmentName(key)) is null
            ? yaml.Locate(key)
            : Environment.GetEnvironmentVariable(EnvironmentName(key)) is not null ? EnvironmentName(key) : key;

    private static string EnvironmentName(string key) => "AGENTCRON__" + key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant();
}
