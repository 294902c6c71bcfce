using NativeInfer.Generation;
using NativeInfer.Generation.Sampling;
using NativeInfer.Gguf;
using NativeInfer.Models;
using NativeInfer.Tests.Models;
using NativeInfer.Tests.Tokenization;

namespace NativeInfer.Tests.Generation;

/// <summary>
/// A custom module map reaches generation as it reaches <c>check</c>: an architecture only the user's map knows
/// (internlm2 → <see cref="CustomLlamaDefinition"/>, the llama tree under another root class) loads through
/// <see cref="LanguageModel"/> and the CLI's generate, and generates exactly what the same weights generate as
/// the built-in llama.
/// </summary>
public class CustomModuleMapGenerationTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-mapgen-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    // CheckModels' one-layer llama shapes with a SentencePiece vocabulary (277 tokens) and seeded random F32 weights.
    private string Write(string arch)
    {
        const int vocab = 300;
        var w = new GgufWriter();
        w.AddString("general.architecture", arch);
        w.AddUInt32($"{arch}.context_length", 256);
        w.AddUInt32($"{arch}.embedding_length", 32);
        w.AddUInt32($"{arch}.block_count", 1);
        w.AddUInt32($"{arch}.feed_forward_length", 64);
        w.AddUInt32($"{arch}.attention.head_count", 2);
        w.AddUInt32($"{arch}.attention.head_count_kv", 1);
        w.AddFloat32($"{arch}.attention.layer_norm_rms_epsilon", 1e-5f);
        w.AddUInt32($"{arch}.vocab_size", vocab);
        SyntheticVocab.SentencePiece().AddTo(w);
        var random = new Random(7);
        foreach ((string name, GgmlType type, long[] ne) in CheckModels.LlamaTensors())
        {
            long[] dims = name is "token_embd.weight" or "output.weight" ? [ne[0], vocab] : ne;
            var values = new float[dims.Aggregate(1L, (a, b) => a * b)];
            for (int i = 0; i < values.Length; i++) values[i] = name.Contains("norm") ? 1f : (float)(random.NextDouble() - 0.5);
            w.AddTensor(name, type, dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        string path = Path.Combine(_dir, arch + ".gguf");
        w.WriteTo(path);
        return path;
    }

    private static GenerationResult Generate(LanguageModel model)
    {
        using GenerationSession session = model.CreateSession(new GenerationSessionOptions { Threads = 1, ContextLength = 32 });
        return session.Generate("Hello world", new GenerationOptions { Sampling = SamplingOptions.Greedy, MaxTokens = 8, StopAtEndOfGeneration = false });
    }

    [Test]
    public void LanguageModel_WithTheUsersModuleMap_LoadsAndGeneratesAsTheBuiltInArchitecture()
    {
        string custom = Write("internlm2"), llama = Write("llama");
        var e = Assert.Throws<ModuleMapException>(() => LanguageModel.Load(custom).Dispose());
        Assert.That(e!.Message, Does.Contain("unknown architecture 'internlm2'"));

        var options = new LanguageModelOptions { Model = new() { ModuleMap = new ModuleMap().Register("internlm2", typeof(CustomLlamaDefinition)) } };
        using LanguageModel mapped = LanguageModel.Load(custom, options);
        using LanguageModel reference = LanguageModel.Load(llama);
        Assert.That(mapped.Model.Plan.Root.ClassName, Is.EqualTo("CustomForCausalLM"), "built by the user's definition");
        GenerationResult got = Generate(mapped), expected = Generate(reference);
        Assert.That(got.Tokens, Has.Count.EqualTo(8));
        Assert.That(got.Tokens, Is.EqualTo(expected.Tokens));
    }

    [Test]
    public void CliGenerate_ModuleMapFile_LoadsAnArchitectureOnlyTheMapKnows()
    {
        string custom = Write("internlm2"), llama = Write("llama");
        string map = Path.Combine(_dir, "map.yaml");
        File.WriteAllText(map, $"internlm2: {typeof(CustomLlamaDefinition).AssemblyQualifiedName}\n");
        string[] common = ["--prompt", "Hello world", "--temperature", "0", "--max-tokens", "6", "--ignore-eos", "--no-stats", "--threads", "1"];

        var without = Support.Cli.Run(["generate", custom, .. common]);
        Assert.That(without.Code, Is.EqualTo(1));
        Assert.That(without.Err, Does.Contain("unknown architecture 'internlm2'"));
        var with = Support.Cli.Run(["generate", custom, "--module-map", map, .. common]);
        Assert.That(with.Code, Is.EqualTo(0), with.Err);
        var builtIn = Support.Cli.Run(["generate", llama, .. common]);
        Assert.That(builtIn.Code, Is.EqualTo(0), builtIn.Err);
        Assert.That(with.Out, Is.EqualTo(builtIn.Out));
    }
}
