using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentCron.Agents.OpenAi;

/// <summary>One message of a kept conversation.</summary>
/// <param name="Role"><c>user</c> or <c>assistant</c>.</param>
/// <param name="Content">Its text.</param>
internal sealed record OpenAiMessage(string Role, string Content);

/// <summary>
/// Keeps the conversations of the OpenAI-compatible runner, whose endpoints remember nothing between requests: one JSON
/// file per session id (<c>oai_</c> + 24 hex digits) holding every user and assistant message so far. A file is replaced
/// atomically (written to a temporary file, flushed to disk, then renamed over the old one), so a crash leaves the old
/// conversation or the new one, never half of one. Only ids of that form are accepted, so an id can never name a path
/// outside the folder.
/// </summary>
internal sealed partial class OpenAiSessionStore(string directory)
{
    private const string Prefix = "oai_";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The folder the session files are in.</summary>
    public string Directory => directory;

    /// <summary>A new random session id.</summary>
    public static string NewId() => Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>Whether <paramref name="id"/> is of the form this store makes (and so names a file inside its folder).</summary>
    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>The file of session <paramref name="id"/>, which must be valid.</summary>
    public string PathOf(string id) =>
        IsValidId(id) ? Path.Combine(directory, id + ".json") : throw new ArgumentException($"'{id}' is not an id of this store", nameof(id));

    /// <summary>The conversation so far; null when there is no such session. Throws <see cref="InvalidDataException"/> when its file is not a conversation.</summary>
    public async Task<IReadOnlyList<OpenAiMessage>?> LoadAsync(string id, CancellationToken cancellationToken)
    {
        var path = PathOf(id);
        Transcript? transcript;
        try
        {
            await using var file = File.OpenRead(path);
            transcript = await JsonSerializer.DeserializeAsync<Transcript>(file, Json, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a conversation: {ex.Message}", ex);
        }

        if (transcript?.Messages is not { } messages || messages.Any(m => m is null || m.Role is not ("user" or "assistant") || m.Content is null))
        {
            throw new InvalidDataException($"{path} is not a conversation: it needs \"messages\", each with a role of user or assistant and a content");
        }

        return messages;
    }

    /// <summary>Replaces session <paramref name="id"/>'s conversation with <paramref name="messages"/>, durably, before it returns.</summary>
    public async Task SaveAsync(string id, string? model, IReadOnlyList<OpenAiMessage> messages, CancellationToken cancellationToken)
    {
        var path = PathOf(id);
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        else
        {
            // Conversations can hold anything the tasks were told; only the daemon's user may read them.
            System.IO.Directory.CreateDirectory(directory, OwnerOnly | UnixFileMode.UserExecute);
        }

        var temporary = $"{path}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}.tmp";
        try
        {
            var write = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                write.UnixCreateMode = OwnerOnly;
            }

            await using (var file = new FileStream(temporary, write))
            {
                await JsonSerializer.SerializeAsync(file, new Transcript(id, model, messages), Json, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    [GeneratedRegex("^oai_[0-9a-f]{24}$")]
    private static partial Regex IdPattern();

    /// <summary>A session file: its id and last model (for people reading it) and the messages.</summary>
    private sealed record Transcript(string? Id, string? Model, IReadOnlyList<OpenAiMessage>? Messages);
}
