using System.Text;

namespace AgentCron.Channels;

/// <summary>
/// The Markdown a chat channel posts for a run: a headline that names the task, whether the run succeeded and which run
/// and attempt it was; the agent's output, or the error of a run that did not succeed; and a link to the run where the
/// daemon has a public address.
/// </summary>
public static class ResultMessage
{
    public static string Markdown(RunResult result)
    {
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
        var body = succeeded ? result.Output : result.Error ?? result.Output;
        if (!string.IsNullOrWhiteSpace(body))
        {
            text.Append("\n\n").Append(body.Trim());
        }

        if (result.RunUrl is { } url)
        {
            text.Append("\n\n").Append(url);
        }

        return text.ToString();
    }
}
