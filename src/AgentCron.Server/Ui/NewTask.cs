using System.Text;
using System.Text.RegularExpressions;

namespace AgentCron.Server.Ui;

/// <summary>The new-task form's presets, and the CLI line that creates the same task.</summary>
public static partial class NewTask
{
    public static readonly IReadOnlyList<(string Value, string Label)> Presets =
    [
        ("in30", "in 30 minutes"),
        ("hourly", "every hour"),
        ("daily", "daily at"),
        ("weekdays", "weekdays at"),
        ("window", "once in a daily window"),
        ("custom", "custom (write the trigger below)"),
    ];

    /// <summary><paramref name="form"/> with the trigger <paramref name="preset"/> stands for (a custom one unchanged).</summary>
    public static TaskForm Apply(TaskForm form, string preset, string time, string window)
    {
        string Daily(string days) => HourMinute().Match(time.Trim()) is { Success: true } m
            ? $"{int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)} {int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)} * * {days}"
            : throw new Core.InvalidFieldException("trigger", $"'{time}' is not a time of day; write HH:MM, e.g. 08:30");
        return preset switch
        {
            "in30" => form with { TriggerKind = "in", Expression = "30m" },
            "hourly" => form with { TriggerKind = "every", Expression = "1h" },
            "daily" => form with { TriggerKind = "cron", Expression = Daily("*") },
            "weekdays" => form with { TriggerKind = "cron", Expression = Daily("1-5") },
            "window" => form with { TriggerKind = "window", Expression = window.Trim() },
            _ => form,
        };
    }

    /// <summary>The <c>agentcron task create</c> line for the form, each value quoted for a POSIX shell.</summary>
    public static string CliLine(TaskForm form)
    {
        var line = new StringBuilder("agentcron task create");
        void Add(string flag, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                line.Append(' ').Append(flag).Append(' ').Append(Quote(value.Trim()));
            }
        }

        if (form.TriggerKind != "manual")
        {
            Add("--" + form.TriggerKind, form.Expression);
            if (form.TriggerKind is "at" or "cron" or "window")
            {
                Add("--tz", form.Tz);
            }
        }

        Add("--prompt", form.Instructions);
        Add("--name", form.Name);
        Add("--agent", form.Agent);
        Add("--model", form.Model);
        Add("--command", form.Command);
        Add("--permissions", form.Permissions);
        Add("--thread", form.Thread);
        foreach (var target in form.Deliver.Split([' ', ',', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            Add("--deliver", target);
        }

        Add("--timeout", form.Timeout);
        Add("--retries", form.Retries);
        Add("--overlap", form.Overlap);
        Add("--misfire", form.Misfire);
        Add("--max-failures", form.MaxFailures);
        return line.ToString();
    }

    /// <summary>A word the shell takes as it is: plain ones bare, others in single quotes.</summary>
    private static string Quote(string value) => PlainWord().IsMatch(value) ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^(\d{1,2}):(\d{2})$")]
    private static partial Regex HourMinute();

    [GeneratedRegex(@"^[A-Za-z0-9_@%+=:,./-]+$")]
    private static partial Regex PlainWord();
}
