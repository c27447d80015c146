namespace AgentCron.Core;

/// <summary>
/// Input that fails validation. <see cref="Field"/> names the offending field the way the client wrote it
/// (for example <c>trigger.cron</c> or <c>policies.timeout</c>); the message says what is allowed.
/// The API maps it to a 400 problem document and the CLI to exit code 2.
/// </summary>
public sealed class InvalidFieldException : Exception
{
    public InvalidFieldException(string field, string message)
        : base($"{field}: {message}")
    {
        Field = field;
        Reason = message;
    }

    /// <summary>The field that was rejected, in the client's spelling (dotted path).</summary>
    public string Field { get; }

    /// <summary>What is wrong and what is allowed, without the field name.</summary>
    public string Reason { get; }

    /// <summary>Returns the same error with its field nested under <paramref name="parent"/>.</summary>
    public InvalidFieldException Under(string parent) => new($"{parent}.{Field}", Reason);
}
