using NativeInfer.Gguf;
using NativeInfer.Models.Synthetic;
using NativeInfer.Runtime;
using NativeInfer.Tensors;
using NUnit.Framework;

namespace NativeInfer.Tests.Tensors;

public sealed unsafe class ScratchArenaTests
{
    [Test]
    public void Rewind_GivesBackWhatWasAllocatedAfterTheMark_AcrossChainedBlocks()
    {
        using var arena = new ScratchArena(4096);
        float* before = arena.Alloc<float>(100);
        ScratchMark mark = arena.Mark();
        float* first = arena.Alloc<float>(500);
        float* spill = arena.Alloc<float>(10_000);  // past the first block: chains a bigger one
        long capacity = arena.CapacityBytes;
        arena.Rewind(mark);
        Assert.That((nint)arena.Alloc<float>(500), Is.EqualTo((nint)first), "the space after the mark is reused");
        Assert.That((nint)arena.Alloc<float>(10_000), Is.EqualTo((nint)spill), "the chained block too");
        Assert.That(arena.CapacityBytes, Is.EqualTo(capacity), "nothing new was allocated");
        Assert.That((nint)before, Is.Not.EqualTo((nint)first));
    }

    [Test]
    public void Rewind_ToAMarkAheadOfTheArena_Throws()
    {
        using var arena = new ScratchArena(4096);
        arena.Alloc<byte>(64);
        ScratchMark mark = arena.Mark();
        arena.Reset();
        Assert.That(() => arena.Rewind(mark), Throws.InvalidOperationException.With.Message.Contains("ahead"));
    }

    /// <summary>
    /// The decoder stack rewinds the scratch after every layer, so a prompt's pass holds one layer's
    /// scratch whatever the depth: the same prompt through a 2-layer and a 6-layer model of the same
    /// widths leaves the same scratch capacity (it held every layer's before: ~2 GB for a 512-token
    /// prompt on DeepSeek-V2-Lite's 27 layers).
    /// </summary>
    [Test]
    public void PromptScratch_DoesNotGrowWithTheNumberOfLayers()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ni-scratch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            long Scratch(int layers)
            {
                string path = Path.Combine(dir, $"m{layers}.gguf");
                SyntheticModelWriter.Write((DeepseekV2SyntheticSpec.Tiny(512) with { Layers = layers }).WithAllTypes(GgmlType.Q8_0), path);
                using InferenceModel model = InferenceModel.Load(path);
                using InferenceSession session = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = 160 });
                int[] prompt = Enumerable.Range(0, 150).Select(i => 3 + i * 7 % 500).ToArray();
                session.ForwardAll(prompt, new float[prompt.Length * model.Config.VocabSize]);
                return session.ScratchBytes;
            }
            long two = Scratch(2), six = Scratch(6);
            Assert.That(six, Is.EqualTo(two), $"scratch after a 150-token prompt: {two} bytes with 2 layers, {six} with 6");
        }
        finally { Directory.Delete(dir, true); }
    }
}
