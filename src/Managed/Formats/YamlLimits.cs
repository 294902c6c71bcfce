using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace NativeInfer.Formats;

/// <summary>
/// Bounds checked before YAML text reaches YamlDotNet, whose parser recurses once per nesting level: a
/// file of tens of thousands of "[" overflows the stack, which ends the process (a stack overflow cannot
/// be caught). The product's YAML files (rule files, module maps) are a few KB nested a few levels, so
/// the bounds are far above anything real. Every YAML file the product reads goes through
/// <see cref="ReadFile"/> and <see cref="CheckNesting"/>; failures are <see cref="YamlLimitException"/>s
/// with the line, which callers prefix with the file name.
/// </summary>
public static class YamlLimits
{
    /// <summary>Largest YAML file read (a device or an endless pipe is read up to here, never to its end).</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>Deepest nesting accepted: indentation levels, compact "- " / "? " entries and open [ and {.</summary>
    public const int MaxDepth = 64;

    /// <summary>Reads a YAML file as UTF-8 (without a BOM), refusing one of more than <see cref="MaxBytes"/>.</summary>
    public static string ReadFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        if (stream.CanSeek && stream.Length > MaxBytes)
            throw new YamlLimitException(1, $"the file is {stream.Length} bytes; YAML files are read up to {MaxBytes} bytes");
        var buffer = new byte[MaxBytes + 1];
        int length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (length > MaxBytes) throw new YamlLimitException(1, $"the file is longer than {MaxBytes} bytes, the most a YAML file may hold");
        ReadOnlySpan<byte> text = buffer.AsSpan(0, length);
        if (text.StartsWith("\uFEFF"u8)) text = text[3..];
        return Encoding.UTF8.GetString(text);
    }

    /// <summary>Both bounds for text that did not come from <see cref="ReadFile"/>: its size, then <see cref="CheckNesting"/>.</summary>
    public static void CheckText(string text)
    {
        if (text.Length > MaxBytes) throw new YamlLimitException(1, $"the text is {text.Length} characters; YAML is read up to {MaxBytes}");
        CheckNesting(text);
    }

    /// <summary>Throws at the first line where the text nests deeper than <see cref="MaxDepth"/>.</summary>
    public static void CheckNesting(string text)
    {
        (int depth, int line) = MeasureNesting(text, stopAbove: MaxDepth);
        if (depth > MaxDepth)
            throw new YamlLimitException(line, $"the YAML nests deeper than {MaxDepth} levels (indentation, '- ' entries and open [ and {{ together)");
    }

    /// <summary>
    /// The deepest nesting in the text and its line (stopping at the first line past <paramref name="stopAbove"/>).
    /// A cheap scan, not a parser: it follows quotes, comments, block scalars and where a node starts well
    /// enough never to count less than YamlDotNet nests; it may count a little more (the document level,
    /// a wrapped plain scalar).
    /// </summary>
    public static (int Depth, int Line) MeasureNesting(string text, int stopAbove = int.MaxValue)
    {
        var indents = new Stack<int>(); // indentation of the open block levels
        int flow = 0;                  // open [ and {
        char quote = '\0';             // inside a quoted scalar (which may span lines)
        int blockScalarParent = -1;    // inside a block scalar (| or >) whose line had this indentation
        int lineNumber = 0, deepest = 0, deepestLine = 0;
        foreach (ReadOnlySpan<char> line in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            int indent = 0;
            while (indent < line.Length && line[indent] == ' ') indent++;
            bool blank = line[indent..].IsWhiteSpace();
            if (blockScalarParent >= 0)
            {
                if (blank || indent > blockScalarParent) continue;
                blockScalarParent = -1;
            }
            if (blank && quote == '\0') continue;

            int i = indent, entries = 0;
            bool nodeStart = true;
            if (quote == '\0' && flow == 0)
            {
                if (line[indent] == '#') continue;
                if (indent == 0 && (line.StartsWith("---") || line.StartsWith("...")) && (line.Length == 3 || line[3] is ' ' or '\t'))
                {
                    indents.Clear(); // a new document
                    i = 3;
                }
                while (indents.Count > 0 && indents.Peek() > indent) indents.Pop();
                if (indents.Count == 0 || indents.Peek() < indent) indents.Push(indent);
            }
            for (; i < line.Length; i++)
            {
                char c = line[i];
                if (quote != '\0')
                {
                    if (quote == '"' && c == '\\') i++;
                    else if (c == quote && quote == '\'' && i + 1 < line.Length && line[i + 1] == '\'') i++;
                    else if (c == quote)
                    {
                        quote = '\0';
                        nodeStart = false;
                    }
                    continue;
                }
                if (c is ' ' or '\t') continue;
                if (c == '#' && (i == 0 || line[i - 1] is ' ' or '\t')) break;
                bool separated = i + 1 == line.Length || line[i + 1] is ' ' or '\t';
                if (nodeStart)
                {
                    if (c is '-' or '?' && flow == 0 && separated)
                    {
                        entries++; // "- - x": each compact entry is one more level
                        if (Deeper(indents.Count + entries + flow)) break;
                        continue;
                    }
                    if (c is '"' or '\'')
                    {
                        quote = c;
                        continue;
                    }
                    if (c is '&' or '!')
                    {
                        // An anchor or a tag: the node itself follows.
                        while (i + 1 < line.Length && line[i + 1] is not (' ' or '\t' or '[' or '{' or ',' or ']' or '}')) i++;
                        continue;
                    }
                    if (c is '|' or '>' && flow == 0)
                    {
                        blockScalarParent = indent;
                        break;
                    }
                }
                if (c is '[' or '{' && (flow > 0 || nodeStart))
                {
                    flow++;
                    if (Deeper(indents.Count + entries + flow)) break;
                    nodeStart = true;
                    continue;
                }
                if (flow > 0 && c is ']' or '}')
                {
                    flow--;
                    nodeStart = false;
                    continue;
                }
                if (flow > 0 && c == ',' || c == ':' && (separated || flow > 0))
                {
                    nodeStart = true;
                    continue;
                }
                nodeStart = false;
            }
            Deeper(indents.Count + entries + flow);
            if (deepest > stopAbove) break;
        }
        return (deepest, deepestLine);

        bool Deeper(int depth)
        {
            if (depth > deepest) (deepest, deepestLine) = (depth, lineNumber);
            return deepest > stopAbove;
        }
    }

    /// <summary>Line of the second document's start ("---"), for "one document expected" errors; null with one document or none.</summary>
    public static int? SecondDocumentLine(string text)
    {
        var parser = new Parser(new StringReader(text));
        int documents = 0;
        try
        {
            while (parser.MoveNext())
                if (parser.Current is DocumentStart start && ++documents == 2) return (int)start.Start.Line;
        }
        catch (YamlException)
        {
            // Malformed after the first document: the caller's own parse reports it.
        }
        return null;
    }
}

/// <summary>A YAML text exceeds <see cref="YamlLimits"/>; <see cref="Line"/> is where (1-based).</summary>
public sealed class YamlLimitException(int line, string message) : Exception(message)
{
    public int Line { get; } = line;
}
