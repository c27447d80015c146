using System.Security.Cryptography;

namespace AgentCron.Core;

/// <summary>
/// Identifiers: a prefix, then 10 characters of milliseconds since the epoch and 8 of a random (then counting) suffix, in
/// lower-case Crockford base32, so ids sort by creation time and stay readable (<c>t_01jd3x5q2v7k9m4p8r</c>).
/// </summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private static readonly System.Buffers.SearchValues<char> AlphabetValues = System.Buffers.SearchValues.Create(Alphabet);

    // Eight base32 characters hold 40 bits.
    private const long MaxSuffix = (1L << 40) - 1;
    private static readonly Lock Gate = new();
    private static long _lastMs;
    private static long _lastSuffix;

    /// <summary>True when <paramref name="text"/> has the shape of an id with <paramref name="prefix"/>.</summary>
    public static bool IsValid(string prefix, string text) =>
        text.Length == prefix.Length + 19
        && text.StartsWith(prefix + "_", StringComparison.Ordinal)
        && text.AsSpan(prefix.Length + 1).IndexOfAnyExcept(AlphabetValues) < 0;

    /// <summary>
    /// A new id. Within one process ids are strictly increasing even inside one millisecond (the random part then
    /// counts up from the previous one), so "oldest first" listings keep creation order.
    /// </summary>
    public static string New(string prefix, TimeProvider time) => New(prefix, time.GetUtcNow());

    /// <summary>A new id made at <paramref name="now"/> (an instant the caller already read from its clock).</summary>
    public static string New(string prefix, DateTimeOffset now)
    {
        long ms;
        long suffix;
        lock (Gate)
        {
            ms = now.ToUnixTimeMilliseconds();
            if (ms <= _lastMs && _lastSuffix < MaxSuffix)
            {
                ms = _lastMs;
                suffix = _lastSuffix + 1;
            }
            else
            {
                // A fresh random start in the lower half leaves room to count up within the millisecond.
                suffix = RandomNumberGenerator.GetInt32(int.MaxValue) & (MaxSuffix >> 1);
            }

            (_lastMs, _lastSuffix) = (ms, suffix);
        }

        Span<char> text = stackalloc char[18];
        Encode(text[..10], ms);
        Encode(text[10..], suffix);
        return $"{prefix}_{text}";
    }

    private static void Encode(Span<char> text, long value)
    {
        for (var i = text.Length - 1; i >= 0; i--)
        {
            text[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
    }
}
