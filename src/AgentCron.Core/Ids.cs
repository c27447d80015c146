using System.Security.Cryptography;

namespace AgentCron.Core;

/// <summary>
/// Identifiers: a prefix, then 10 characters of milliseconds since the epoch and 8 random ones, in lower-case Crockford
/// base32, so ids sort by creation time and stay readable (<c>t_01jd3x5q2v7k9m4p8r</c>).
/// </summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private static readonly System.Buffers.SearchValues<char> AlphabetValues = System.Buffers.SearchValues.Create(Alphabet);

    /// <summary>True when <paramref name="text"/> has the shape of an id with <paramref name="prefix"/>.</summary>
    public static bool IsValid(string prefix, string text) =>
        text.Length == prefix.Length + 19
        && text.StartsWith(prefix + "_", StringComparison.Ordinal)
        && text.AsSpan(prefix.Length + 1).IndexOfAnyExcept(AlphabetValues) < 0;

    public static string New(string prefix, TimeProvider time)
    {
        Span<char> text = stackalloc char[18];
        var ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 9; i >= 0; i--)
        {
            text[i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }

        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        for (var i = 0; i < 8; i++)
        {
            text[10 + i] = Alphabet[random[i] & 31];
        }

        return $"{prefix}_{text}";
    }
}
