using System.Text;

namespace NativeInfer.Cli.Generation;

/// <summary>
/// Reads prompt text from a file, stdin or a chat line without ever holding more than a context's worth:
/// <c>--file /dev/zero</c>, an endless pipe or an endless line stop at <see cref="Limit"/> characters with a
/// one-line <see cref="PromptTooLongException"/> instead of growing until OutOfMemoryException. The bound is
/// the context length × <see cref="CharsPerToken"/>, far more than any tokenizer packs into a token of
/// ordinary text, so a prompt it refuses could not have fit the context anyway.
/// </summary>
internal static class PromptReader
{
    /// <summary>Characters allowed per token of context (real text averages about 4).</summary>
    public const int CharsPerToken = 64;

    /// <summary>The most characters a prompt for a <paramref name="contextTokens"/>-token context may have.</summary>
    public static int Limit(int contextTokens) => (int)Math.Min(int.MaxValue, (long)contextTokens * CharsPerToken);

    /// <summary>The whole file as UTF-8 text, at most <paramref name="limit"/> characters.</summary>
    public static string ReadFile(string path, int limit, int contextTokens)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return ReadToEnd(reader, limit, contextTokens, $"--file {path}");
    }

    /// <summary>Everything the reader holds, at most <paramref name="limit"/> characters.</summary>
    public static string ReadToEnd(TextReader reader, int limit, int contextTokens, string source)
    {
        var text = new StringBuilder();
        var buffer = new char[8192];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (text.Length + read > limit) throw TooLong(source, limit, contextTokens);
            text.Append(buffer, 0, read);
        }
        return text.ToString();
    }

    /// <summary>
    /// One line (without its end), or null at the end of input. A line longer than <paramref name="limit"/> is
    /// read to its end and discarded (so the next line is read next), then reported.
    /// </summary>
    public static string? ReadLine(TextReader reader, int limit, int contextTokens)
    {
        var line = new StringBuilder();
        bool tooLong = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '\n') break;
            if (tooLong) continue;
            if (line.Length == limit) tooLong = true;
            else line.Append((char)c);
        }
        if (tooLong) throw TooLong("the message", limit, contextTokens);
        if (c < 0 && line.Length == 0) return null;
        if (line.Length > 0 && line[^1] == '\r') line.Length--;
        return line.ToString();
    }

    private static PromptTooLongException TooLong(string source, int limit, int contextTokens) =>
        new($"{source} is longer than {limit} characters, more than a {contextTokens}-token context can hold " +
            $"(at {CharsPerToken} characters per token); give a shorter prompt or a larger --ctx");
}

/// <summary>Prompt text that cannot fit the context, stopped while reading it.</summary>
internal sealed class PromptTooLongException(string message) : IOException(message);
