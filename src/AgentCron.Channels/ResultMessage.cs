using System.Text;

namespace AgentCron.Channels;

/// <summary>
/// The Markdown a chat channel posts for a run: a headline that names the task, whether the run succeeded and which run
/// and attempt it was; the agent's output, or the error of a run that did not succeed; and a link to the run where the
/// daemon has a public address. An alert says instead what is wrong with the task, with the run that made it so.
/// </summary>
public static class ResultMessage
{
    /// <summary>The one-line headline of <paramref name="result"/> (an e-mail's subject).</summary>
    public static string Headline(RunResult result) => result.Alert is { } alert
        ? $"⚠️ {result.TaskName} — {alert}"
        : $"{(result.Status == "succeeded" ? "✅" : "❌")} {result.TaskName} — {result.Status}";

    public static string Markdown(RunResult result)
    {
        if (result.Alert is { } alert)
        {
            var warning = new StringBuilder()
                .Append("⚠️ **").Append(result.TaskName).Append("** ").Append(alert)
                .Append(" (last run `").Append(result.RunId).Append("`: ").Append(result.Status).Append(')');
            return Finish(warning, result.Error, result.RunUrl);
        }

        var succeeded = result.Status == "succeeded";
        var text = new StringBuilder()
            .Append(succeeded ? "✅ " : "❌ ")
            .Append("**").Append(result.TaskName).Append("** — ").Append(result.Status)
            .Append(" (run `").Append(result.RunId).Append('`');
        if (result.Attempt > 1)
        {
            text.Append(", attempt ").Append(result.Attempt);
        }

        text.Append(')');
        return Finish(text, succeeded ? result.Output : result.Error ?? result.Output, result.RunUrl);
    }

    private static string Finish(StringBuilder text, string? body, Uri? runUrl)
    {
        if (!string.IsNullOrWhiteSpace(body))
        {
            text.Append("\n\n").Append(body.Trim());
        }

        if (runUrl is { } url)
        {
            text.Append("\n\n").Append(url);
        }

        return text.ToString();
    }
}
