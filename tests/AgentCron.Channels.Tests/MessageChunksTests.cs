using System.Text;

namespace AgentCron.Channels.Tests;

public class MessageChunksTests
{
    [Fact]
    public void Split_KeepsAMessageThatFits_AsItIs()
    {
        const string text = "The deploy is green.\n\n- api: 3 pods\n- web: 2 pods";

        Assert.Equal([text], MessageChunks.Split(text, 2000));
    }

    [Fact]
    public void Split_PacksWholeParagraphs_AndBreaksBetweenThem()
    {
        var first = new string('a', 40);
        var second = new string('b', 40);
        var third = new string('c', 40);

        var chunks = MessageChunks.Split($"{first}\n\n{second}\r\n\r\n\n{third}", 90);

        Assert.Equal([$"{first}\n\n{second}", third], chunks);
    }

    [Fact]
    public void Split_BreaksALongParagraphBetweenLines_ThenALongLineBetweenWords()
    {
        var line = string.Join(' ', Enumerable.Range(1, 40).Select(i => $"word{i:00}"));
        var chunks = MessageChunks.Split($"short line\n{line}", 64);

        Assert.All(chunks, c => Assert.True(c.Length <= 64, c));
        Assert.Equal("short line", chunks[0]);
        Assert.Equal(line.Split(' '), chunks.Skip(1).SelectMany(c => c.Split(' ')));
    }

    [Fact]
    public void Split_ClosesAndReopensASplitCodeBlock_WithItsLanguage()
    {
        var code = Enumerable.Range(1, 40).Select(i => $"print({i})").ToList();
        var text = $"Here is the script:\n\n```python\n{string.Join('\n', code)}\n```\n\nDone.";

        var chunks = MessageChunks.Split(text, 120);

        Assert.Equal("Here is the script:", chunks[0].Split('\n')[0]);
        var codeChunks = chunks.Where(c => c.Contains("print(", StringComparison.Ordinal)).ToList();
        Assert.True(codeChunks.Count > 1);
        Assert.All(codeChunks, c =>
        {
            Assert.True(c.Length <= 120, c);
            Assert.Contains("```python\n", c, StringComparison.Ordinal);
            Assert.EndsWith("\n```", c.Split("\n\nDone.")[0], StringComparison.Ordinal);
        });
        Assert.Equal(code, codeChunks.SelectMany(c => c.Split('\n')).Where(l => l.StartsWith("print(", StringComparison.Ordinal)));
        Assert.EndsWith("Done.", chunks[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Split_KeepsBlankLinesInsideACodeBlock_AndClosesAnUnclosedOne()
    {
        var chunks = MessageChunks.Split("```\na\n\nb", 100);

        Assert.Equal(["```\na\n\nb\n```"], chunks);
    }

    [Fact]
    public void Split_NeverCutsASurrogatePair()
    {
        var text = string.Concat(Enumerable.Repeat("😀", 100));

        var chunks = MessageChunks.Split(text, 65);

        Assert.All(chunks, c =>
        {
            Assert.True(c.Length <= 65);
            Assert.False(char.IsLowSurrogate(c[0]));
            Assert.False(char.IsHighSurrogate(c[^1]));
        });
        Assert.Equal(text, string.Concat(chunks));
    }

    [Fact]
    public void Split_HasNoChunks_ForOnlyWhiteSpace()
    {
        Assert.Empty(MessageChunks.Split(" \n\n\t\n", 100));
    }

    [Fact]
    public void Split_RefusesALimitTooSmallForAnyMessage()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageChunks.Split("hi", 32));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Split_RandomMessages_StayWithinTheLimit_InOrder_WithBalancedFences(int seed)
    {
        var random = new Random(seed);
        for (var round = 0; round < 200; round++)
        {
            var text = RandomMessage(random);
            var limit = random.Next(64, 400);

            var chunks = MessageChunks.Split(text, limit);

            Assert.All(chunks, c =>
            {
                Assert.InRange(c.Length, 1, limit);
                Assert.False(char.IsLowSurrogate(c[0]), c);
                Assert.False(char.IsHighSurrogate(c[^1]), c);
                Assert.True(c.Split('\n').Count(l => l.StartsWith("```", StringComparison.Ordinal)) % 2 == 0, $"unbalanced fences at limit {limit}:\n{c}");
            });
            // Words longer than a chunk are cut, so what must survive, in order, is every character but white space and fences.
            Assert.Equal(string.Concat(Words(text)), string.Concat(chunks.SelectMany(Words)));
        }
    }

    private static IEnumerable<string> Words(string text) =>
        text.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("```", StringComparison.Ordinal));

    private static string RandomMessage(Random random)
    {
        var text = new StringBuilder();
        var inCode = false;
        for (var line = random.Next(1, 40); line > 0; line--)
        {
            switch (random.Next(10))
            {
                case 0:
                    text.Append(inCode ? "```" : "```" + (random.Next(2) == 0 ? "" : "sh"));
                    inCode = !inCode;
                    break;
                case 1:
                    break;
                default:
                    for (var word = random.Next(1, 30); word > 0; word--)
                    {
                        text.Append(random.Next(8) == 0 ? "😀" : new string((char)('a' + random.Next(26)), random.Next(1, 40))).Append(word > 1 ? " " : "");
                    }

                    break;
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
