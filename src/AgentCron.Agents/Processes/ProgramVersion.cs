using System.Diagnostics;

namespace AgentCron.Agents.Processes;

/// <summary>Asks a program for its version (<c>PROGRAM --version</c>), briefly.</summary>
public static class ProgramVersion
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>The first line the program prints, or null if it fails or does not answer in time.</summary>
    public static async Task<string?> ReadAsync(string program, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        using var process = Process.Start(start);
        if (process is null)
        {
            return null;
        }

        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Limit);
        try
        {
            var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return process.ExitCode == 0 ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return null;
        }
    }
}
