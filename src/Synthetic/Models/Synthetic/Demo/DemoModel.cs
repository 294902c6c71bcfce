using System.Security.Cryptography;
using System.Text;

namespace NativeInfer.Models.Synthetic.Demo;

/// <summary>
/// The demo model: the default <see cref="TinyModel"/> (a constructed tiny DeepSeek-V2 that continues
/// text like the demo corpus about this engine), written once per content version into a folder and
/// reused, plus a prompt that suits it.
/// </summary>
public static class DemoModel
{
    /// <summary>Bump when the construction changes, so cached files are rewritten.</summary>
    private const int ConstructionVersion = 1;

    /// <summary>A question for the chat template; the model answers with a continuation in the style of its corpus.</summary>
    public const string Prompt = "How does NativeInfer run a mixture of experts model?";

    /// <summary>The options the demo model is made with.</summary>
    public static TinyModelOptions Options { get; } = new();

    /// <summary>
    /// The path of the demo model in <paramref name="directory"/>, writing it first when it is not there.
    /// The file name holds a hash of everything that determines its content (construction version, corpus,
    /// options), so a changed construction gets a new file. Written under a unique temporary name and
    /// renamed, so concurrent callers never see a partial file.
    /// </summary>
    public static string EnsureWritten(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, $"nativeinfer-demo-{ContentHash()}.gguf");
        if (File.Exists(path)) return path;
        string temp = Path.Combine(directory, $"{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            TinyModel.Write(temp, Options);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
        return path;
    }

    private static string ContentHash()
    {
        TinyModelOptions o = Options;
        string identity = $"{ConstructionVersion}|{o.Architecture}|{o.Type}|{o.Layers}|{o.Hidden}|{o.Experts}|{o.Seed}|{o.MaxVocab}|{DemoCorpus.Text}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
    }
}
