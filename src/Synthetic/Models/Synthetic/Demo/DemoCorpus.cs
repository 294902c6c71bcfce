using System.Reflection;

namespace NativeInfer.Models.Synthetic.Demo;

/// <summary>
/// The short English text the demo model is built from (DemoCorpus.txt, embedded): plain prose about
/// how this engine works, so the demo talks about itself. Paragraphs are separated by blank lines; each
/// is one training sequence (BOS, its tokens, EOS).
/// </summary>
public static class DemoCorpus
{
    private const string ResourceName = "NativeInfer.DemoCorpus.txt";

    /// <summary>The whole text, line endings normalised to \n.</summary>
    public static string Text { get; } = Load();

    /// <summary>
    /// The paragraphs, trimmed. A line break inside a paragraph stays: the chat example ends its question with
    /// one, so "Assistant:" is spelled as after the chat template's line breaks.
    /// </summary>
    public static IReadOnlyList<string> Paragraphs { get; } =
        Text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Load()
    {
        using Stream stream = typeof(DemoCorpus).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing from {typeof(DemoCorpus).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Replace("\r\n", "\n");
    }
}
