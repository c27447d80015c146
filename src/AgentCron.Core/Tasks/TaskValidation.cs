using System.Text;
using System.Text.RegularExpressions;
using AgentCron.Core.Contracts;
using AgentCron.Core.Model;
using AgentCron.Core.Processes;
using AgentCron.Core.Time;

namespace AgentCron.Core.Tasks;

/// <summary>Field rules for tasks. Every failure names the field and what is allowed.</summary>
public static partial class TaskValidation
{
    public const int MaxNameLength = 200;
    public const int MaxInstructionsLength = 200_000;

    /// <summary>The longest timeout: an agent running longer than a month is stuck (and timers reach only ~49 days).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    public static string Name(string? name, string instructions)
    {
        var value = string.IsNullOrWhiteSpace(name) ? DefaultName(instructions) : name.Trim();
        return value.Length <= MaxNameLength ? value : throw new InvalidFieldException("name", $"is {value.Length} characters long; at most {MaxNameLength} are allowed");
    }

    public static string Instructions(string? instructions)
    {
        if (string.IsNullOrWhiteSpace(instructions))
        {
            throw new InvalidFieldException("instructions", "is required: the prompt the agent runs (CLI: --prompt or --prompt-file)");
        }

        return instructions.Length <= MaxInstructionsLength
            ? instructions
            : throw new InvalidFieldException("instructions", $"is {instructions.Length:N0} characters long; at most {MaxInstructionsLength:N0} are allowed");
    }

    public static string Slug(string slug)
    {
        var value = slug.Trim();
        return SlugPattern().IsMatch(value)
            ? value
            : throw new InvalidFieldException("slug", $"'{slug}' is not a slug; use 1-64 lower-case letters, digits and dashes, starting with a letter or digit");
    }

    /// <summary>A slug made from the name: lower case, dashes for everything else, at most 40 characters.</summary>
    public static string SlugFrom(string name)
    {
        var text = new StringBuilder();
        foreach (var c in name.ToLowerInvariant().Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                text.Append(c);
            }
            else if (text.Length > 0 && text[^1] != '-' && char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                text.Append('-');
            }

            if (text.Length >= 40)
            {
                break;
            }
        }

        var slug = text.ToString().Trim('-');
        return slug.Length > 0 ? slug : "task";
    }

    public static TaskPolicies Policies(PoliciesInput? input, TaskPolicies current)
    {
        if (input is null)
        {
            return current;
        }

        var policies = current with
        {
            Timeout = input.Timeout is { } timeout ? Durations.Parse(timeout, "policies.timeout") : current.Timeout,
            Retries = input.Retries ?? current.Retries,
            Overlap = input.Overlap is { } overlap ? EnumText.Parse<OverlapPolicy>(overlap, "policies.overlap") : current.Overlap,
            Misfire = input.Misfire is { } misfire ? EnumText.Parse<MisfirePolicy>(misfire, "policies.misfire") : current.Misfire,
            CatchUp = input.CatchUp is { } catchUp ? Durations.Parse(catchUp, "policies.catchUp") : current.CatchUp,
            Jitter = input.Jitter is { } jitter ? ParseJitter(jitter) : current.Jitter,
            MaxConsecutiveFailures = input.MaxConsecutiveFailures ?? current.MaxConsecutiveFailures,
            RecurringFollowUps = input.RecurringFollowUps ?? current.RecurringFollowUps,
        };
        if (policies.Retries is < 0 or > 100)
        {
            throw new InvalidFieldException("policies.retries", $"{policies.Retries} is out of range; use 0 to 100");
        }

        if (policies.MaxConsecutiveFailures is < 0 or > 10_000)
        {
            throw new InvalidFieldException("policies.maxConsecutiveFailures", $"{policies.MaxConsecutiveFailures} is out of range; use 0 (never pause) to 10000");
        }

        if (policies.Timeout < TimeSpan.FromSeconds(1) || policies.Timeout > MaxTimeout)
        {
            throw new InvalidFieldException("policies.timeout", $"'{Durations.Format(policies.Timeout)}' is out of range; use 1s to {Durations.Format(MaxTimeout)}");
        }

        return policies;
    }

    /// <summary>Applies <paramref name="input"/> to <paramref name="current"/>; a working directory it names must be one runs can see in <paramref name="sandbox"/>.</summary>
    public static AgentSelection Agent(AgentInput? input, AgentSelection current, RunSandbox sandbox) => input is null
        ? current
        : current with
        {
            Provider = input.Provider ?? current.Provider,
            Model = input.Model is null ? current.Model : Blank(input.Model),
            Command = input.Command is null ? current.Command : Blank(input.Command),
            Cwd = input.Cwd is null ? current.Cwd : WorkingDirectory(Blank(input.Cwd), sandbox),
            Permissions = input.Permissions is null ? current.Permissions
                : string.IsNullOrWhiteSpace(input.Permissions) ? null
                : EnumText.Parse<AgentPermissions>(input.Permissions, "agent.permissions"),
        };

    /// <summary>
    /// A task's <c>agent.cwd</c>, as a full path: it must be absolute (the CLI resolves a relative <c>--cwd</c> against
    /// the directory it is run in), an existing directory, and one that runs can see — not the daemon's data directory or
    /// inside it.
    /// </summary>
    public static string? WorkingDirectory(string? cwd, RunSandbox sandbox)
    {
        if (cwd is null)
        {
            return null;
        }

        if (!Path.IsPathFullyQualified(cwd))
        {
            throw new InvalidFieldException("agent.cwd", $"'{cwd}' is not an absolute path; give the full path of a directory (the CLI resolves a relative --cwd against the directory it is run in)");
        }

        var full = Path.GetFullPath(cwd);
        if (!Directory.Exists(full))
        {
            throw new InvalidFieldException("agent.cwd", $"'{cwd}' is not an existing directory on the daemon's machine");
        }

        if (sandbox.Hides(full) || Directory.ResolveLinkTarget(full, returnFinalTarget: true) is { } target && sandbox.Hides(target.FullName))
        {
            throw new InvalidFieldException("agent.cwd", $"'{cwd}' is inside the daemon's data directory, which runs cannot see; choose a directory outside it (a task without agent.cwd works in a folder of its own)");
        }

        return Path.TrimEndingDirectorySeparator(full);
    }

    private static TimeSpan ParseJitter(string text) =>
        text.Trim() is "0" or "0s" ? TimeSpan.Zero : Durations.Parse(text, "policies.jitter");

    private static string? Blank(string text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string DefaultName(string instructions)
    {
        var line = instructions.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "task";
        return line.Length <= 60 ? line : string.Concat(line.AsSpan(0, 59), "…");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex SlugPattern();
}
