using NativeInfer.Config;
using NativeInfer.Config.Builders;
using NativeInfer.Gguf;
using NativeInfer.Models.Checking;
using NativeInfer.Runtime;
using NativeInfer.Tests.Models;
using static NativeInfer.Tests.Support.Cli;

namespace NativeInfer.Tests.Config;

/// <summary>
/// One header value must not buy gigabytes: counts that size work are checked against what the file holds
/// before a module tree, an expected-tensor list or a cache is built from them. The files are the one-layer
/// llama of <see cref="CheckModels"/> (a few KB) with one metadata value changed.
/// </summary>
[NonParallelizable]
public class ConfigFileBoundsTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-bounds-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private string Llama(string key, uint value, IEnumerable<(string, GgmlType, long[])>? tensors = null)
    {
        GgufWriter w = CheckModels.LlamaMetadata();
        w.Remove(key);
        w.AddUInt32(key, value);
        return CheckModels.WriteGguf(Path.Combine(_dir, "model.gguf"), w, tensors ?? CheckModels.LlamaTensors());
    }

    /// <summary>Runs <paramref name="action"/>, which must throw a ModelConfigException naming <paramref name="key"/>, allocating little on the way.</summary>
    private static ModelConfigException FailsCheaply(Action action, string key)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ModelConfigException>(() => action())!;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(e.Key, Is.EqualTo(key), e.Message);
        Assert.That(e.Message, Does.Contain($"'{key}'").And.Not.Contain('\n'));
        Assert.That(allocated, Is.LessThan(16L << 20), "nothing sized from the bad value was built");
        return e;
    }

    [Test]
    public void HugeBlockCount_CheckPlanAndLoad_FailNamingTheKey()
    {
        string path = Llama("llama.block_count", int.MaxValue);
        string expected = "'llama.block_count' is 2147483647, but no tensor belongs to layer 2147483646: the tensor names stop at layer 0";
        Assert.That(FailsCheaply(() => ModelCheck.Run(path), "llama.block_count").Message, Does.Contain(expected));
        FailsCheaply(() => InferenceModel.CreatePlan(path), "llama.block_count");
        FailsCheaply(() => InferenceModel.Load(path).Dispose(), "llama.block_count");
    }

    [Test]
    public void BlockCount_OneMoreThanTheLayersInTheFile_Fails()
    {
        string path = Llama("llama.block_count", 2);
        Assert.That(FailsCheaply(() => ModelCheck.Run(path), "llama.block_count").Message,
                    Does.EndWith("'llama.block_count' is 2, but no tensor belongs to layer 1: the tensor names stop at layer 0"));
    }

    [Test]
    public void LastLayerPresent_ButLayersMissingInBetween_Fails()
    {
        // A file naming only layers 0 and 99 cannot describe 100 layers.
        var tensors = CheckModels.LlamaTensors();
        tensors.Add(("blk.99.attn_norm.weight", GgmlType.F32, [32]));
        string path = Llama("llama.block_count", 100, tensors);
        Assert.That(FailsCheaply(() => ModelCheck.Run(path), "llama.block_count").Message,
                    Does.EndWith("'llama.block_count' is 100, but the tensor names cover only 2 distinct layers"));
    }

    [TestCase("llama.embedding_length", 1u << 30, "the hidden size")]
    [TestCase("llama.feed_forward_length", 1u << 30, "the MLP width")]
    [TestCase("llama.vocab_size", 1u << 30, "the vocabulary size")]
    [TestCase("llama.attention.head_count_kv", 1u << 20, "KV heads × head dim")]
    public void WidthLargerThanEveryTensorDimension_FailsNamingTheKey(string key, uint value, string what)
    {
        string path = Llama(key, value);
        if (key.EndsWith("head_count_kv", StringComparison.Ordinal))
        {
            // head_count must stay a multiple of head_count_kv for Validate; the bound is what is tested.
            GgufWriter w = CheckModels.LlamaMetadata();
            w.Remove("llama.attention.head_count_kv");
            w.Remove("llama.attention.head_count");
            w.Remove("llama.attention.key_length");
            w.AddUInt32("llama.attention.head_count", value);
            w.AddUInt32("llama.attention.head_count_kv", value);
            w.AddUInt32("llama.attention.key_length", 16);
            path = CheckModels.WriteGguf(Path.Combine(_dir, "heads.gguf"), w, CheckModels.LlamaTensors());
            key = "llama.attention.head_count";
            what = "heads × head dim";
        }
        ModelConfigException e = FailsCheaply(() => ModelCheck.Run(path), key);
        Assert.That(e.Message, Does.Contain($"gives {what} = ").And.Contain("the largest is 64"));
    }

    [Test]
    public void ExpertCountBeyondTheStackedTensors_Fails()
    {
        GgufWriter w = CheckModels.LlamaMetadata();
        w.AddUInt32("llama.expert_count", 1u << 20);
        w.AddUInt32("llama.expert_used_count", 2);
        var tensors = CheckModels.LlamaTensors().Where(t => !t.Name.StartsWith("blk.0.ffn_", StringComparison.Ordinal) || t.Name == "blk.0.ffn_norm.weight").ToList();
        tensors.Add(("blk.0.ffn_gate_inp.weight", GgmlType.F32, [32, 4]));
        tensors.Add(("blk.0.ffn_gate_exps.weight", GgmlType.F32, [32, 64, 4]));
        tensors.Add(("blk.0.ffn_up_exps.weight", GgmlType.F32, [32, 64, 4]));
        tensors.Add(("blk.0.ffn_down_exps.weight", GgmlType.F32, [64, 32, 4]));
        string path = CheckModels.WriteGguf(Path.Combine(_dir, "moe.gguf"), w, tensors);
        Assert.That(FailsCheaply(() => ModelCheck.Run(path), "llama.expert_count").Message,
                    Does.Contain("'llama.expert_count' is 1048576, but no tensor dimension or expert index in the file reaches it (largest 64)"));
    }

    [Test]
    public void HfCheckpoint_LayersBeyondTheCheckpoint_FailsNamingTheConfigKey()
    {
        string config = CheckModels.TinyDeepseekConfig.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 100000");
        var tensors = new List<(string, string, long[])> { ("model.embed_tokens.weight", "F32", [50, 16]), ("model.layers.0.input_layernorm.weight", "F32", [16]) };
        string dir = CheckModels.WriteHf(Path.Combine(_dir, "hf"), config, tensors);
        Assert.That(FailsCheaply(() => ModelCheck.Run(dir), "num_hidden_layers").Message,
                    Does.Contain("'num_hidden_layers' is 100000, but no tensor belongs to layer 99999"));
    }

    [Test]
    public void NoTensorsToCheckAgainst_FixedCeilings()
    {
        // config.json alone: 100 000 layers × 4 experts would be 1.2 M expected tensors.
        string dir = Path.Combine(_dir, "config-only");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), CheckModels.TinyDeepseekConfig.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 100000"));
        Assert.That(FailsCheaply(() => ModelCheck.Run(dir), "num_hidden_layers").Message,
                    Does.Contain($"is 100000; no tensors were given with the metadata, so at most {ConfigFileBounds.MaxLayersWithoutTensors} layers are accepted"));

        // A vocabulary-only GGUF (the same metadata, no tensors).
        string path = Llama("llama.block_count", int.MaxValue, []);
        Assert.That(FailsCheaply(() => ModelCheck.Run(path), "llama.block_count").Message,
                    Does.Contain("the file holds no tensors, so at most"));
        // Within the ceiling it is still described (check reports the missing weights).
        Assert.That(ModelCheck.Run(Llama("llama.block_count", 3, [])).FailureReason, Does.Contain("has no tensors"));
    }

    [Test]
    public void EveryCommand_HugeBlockCount_OneLineErrorNamingTheKey()
    {
        string path = Llama("llama.block_count", int.MaxValue);
        const string expected = "metadata key 'llama.block_count' is 2147483647, but no tensor belongs to layer 2147483646";
        AssertOneLineError(Run("check", path), 1, expected);
        AssertOneLineError(Run("logits", path, "--tokens", "1,2", "--out", Path.Combine(_dir, "x.f32")), 1, expected);
        AssertOneLineError(Run("generate", path, "--prompt", "hi", "--max-tokens", "1"), 1, expected);
        AssertOneLineError(Run("rules", "explain", path, Path.Combine(Support.RepoPaths.Root, "rules", "qwen2-moe-cpu.yaml")), 1, expected);
        var inspect = Run("inspect", path);
        Assert.That(inspect.Code, Is.EqualTo(0), "inspect describes, it does not validate");
        Assert.That(inspect.Out, Does.Contain("config: cannot build one: ").And.Contain(expected));
    }
}
