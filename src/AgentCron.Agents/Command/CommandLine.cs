using System.Text;
using AgentCron.Core;

namespace AgentCron.Agents.Command;

/// <summary>
/// Splits a command line into an argv the way a POSIX shell splits words — whitespace separates, single quotes are
/// literal, double quotes allow <c>\"</c> and <c>\\</c>, a backslash outside quotes escapes the next character — without
/// any expansion, globbing or redirection: the program is never run through a shell unless the user writes <c>sh -c …</c>.
/// </summary>
public static class CommandLine
{
    public static IReadOnlyList<string> Split(string commandLine, string field = "agent.command")
    {
        var args = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < commandLine.Length; i++)
        {
            var c = commandLine[i];
            switch (c)
            {
                case '\'':
                    var close = commandLine.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new InvalidFieldException(field, $"unclosed single quote at position {i + 1}");
                    }

                    word.Append(commandLine, i + 1, close - i - 1);
                    i = close;
                    inWord = true;
                    break;
                case '"':
                    i = ReadDoubleQuoted(commandLine, i, word, field);
                    inWord = true;
                    break;
                case '\\' when i + 1 < commandLine.Length:
                    word.Append(commandLine[++i]);
                    inWord = true;
                    break;
                case ' ' or '\t' or '\n' or '\r':
                    if (inWord)
                    {
                        args.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }

                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            args.Add(word.ToString());
        }

        return args.Count > 0 ? args : throw new InvalidFieldException(field, "is empty; give the program and its arguments, e.g. \"./check-deploy.sh --env prod\"");
    }

    private static int ReadDoubleQuoted(string text, int open, StringBuilder word, string field)
    {
        for (var i = open + 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                return i;
            }

            if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
            {
                word.Append(text[++i]);
            }
            else
            {
                word.Append(c);
            }
        }

        throw new InvalidFieldException(field, $"unclosed double quote at position {open + 1}");
    }
}
