using System.Security.Cryptography;

namespace AgentCron.Core;

/// <summary>
/// Identifiers: a prefix, then 10 characters of milliseconds since the epoch and 8 random ones, in lower-case Crockford
/// base32, so ids sort by creation time and stay readable (<c>t_01jd3x5q2v7k9m4p8r</c>).
/// </summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

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
