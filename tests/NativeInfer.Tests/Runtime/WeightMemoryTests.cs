using NativeInfer.Diagnostics;
using NativeInfer.Generation;
using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Runtime;
using NativeInfer.Tensors;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Runtime;

/// <summary>
/// WeightMemoryOptions: a preload leaves every page of the tensor data resident by the OS's own count
/// (mincore), reports its progress in order and stops on cancellation; no option changes a logit (each
/// load still matches llama.cpp's reference, bit-identical to a plain load); locking either holds or
/// names the limit that refused it.
/// </summary>
[NonParallelizable]
public class WeightMemoryTests
{
    private const string Name = "tiny-deepseek2-q";

    private static float[] Logits(InferenceModel model, int[] tokens)
    {
        using InferenceSession s = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = 64 });
        var logits = new float[s.VocabSize];
        s.Forward(tokens, logits);
        return logits;
    }

    private static ModelOptions With(WeightMemoryOptions memory) => new() { Memory = memory };

    [Test]
    public void Preload_MakesEveryPageResident_AndReportsProgressInOrder()
    {
        var reports = new List<OperationProgress>();
        var progress = new SynchronousProgress<OperationProgress>(reports.Add);
        var (model, reference) = ReferenceModelTests.Load(Name, With(new WeightMemoryOptions { Preload = true, Progress = progress }));
        using (model)
        {
            long tensorBytes = model.File.Length - model.File.DataOffset;
            Assert.That(model.Memory.Preloaded, Is.True);
            Assert.That(model.Memory.TensorBytes, Is.EqualTo(tensorBytes));
            WeightResidency residency = model.MeasureResidency();
            Assert.That(residency.TensorBytes, Is.EqualTo(tensorBytes));
            Assert.That(residency.ResidentBytes, Is.EqualTo(tensorBytes), "every page of the tensor data is resident after a preload");
            Assert.That(reports, Is.Not.Empty);
            Assert.That(reports.Select(r => r.Stage).Distinct(), Is.EqualTo(new[] { "preload" }));
            Assert.That(reports.Select(r => r.Done), Is.Ordered.Ascending);
            Assert.That(reports[^1].Done, Is.EqualTo(tensorBytes));
            Assert.That(reports.All(r => r.Total == tensorBytes && r.Unit == ProgressUnit.Bytes), Is.True);
            reference.AssertWithinTolerance(ReferenceModelTests.RunAndCompare(model, reference));
        }
    }

    [Test]
    public void NoOption_ChangesALogit()
    {
        var (plain, reference) = ReferenceModelTests.Load(Name, With(new WeightMemoryOptions { HugePages = false }));
        int[] tokens = reference.PromptTokens[..Math.Min(12, reference.PromptTokens.Length)];
        float[] expected;
        using (plain)
        {
            Assert.That(plain.Memory.HugePagesAdvised, Is.False);
            Assert.That(plain.Memory.Preloaded, Is.False);
            Assert.That(plain.Memory.PreloadTime, Is.EqualTo(TimeSpan.Zero));
            expected = Logits(plain, tokens);
        }
        foreach (var memory in new[]
                 {
                     new WeightMemoryOptions(),
                     new WeightMemoryOptions { Preload = true },
                     new WeightMemoryOptions { RereadIntoHugePages = true, Preload = true },
                 })
        {
            var (model, _) = ReferenceModelTests.Load(Name, With(memory));
            using (model)
            {
                Assert.That(Logits(model, tokens), Is.EqualTo(expected), $"logits with {memory}");
                reference.AssertWithinTolerance(ReferenceModelTests.RunAndCompare(model, reference));
            }
        }
    }

    [Test]
    public void Lock_HoldsTheWeights_OrNamesTheLimit()
    {
        string path = RepoPaths.RequireTestData($"models/{Name}.gguf");
        InferenceModel model;
        try
        {
            model = InferenceModel.Load(path, With(new WeightMemoryOptions { Lock = true }));
        }
        catch (ModelLoadException e)
        {
            Assert.That(e.Message, Does.Contain("RLIMIT_MEMLOCK").And.Contain(Path.GetFileName(path)));
            Assert.That(e.InnerException, Is.InstanceOf<NiSystemException>());
            Assert.Pass($"the OS refused the lock, and said why: {e.Message}");
            return;
        }
        using (model)
        {
            Assert.That(model.Memory.Locked && model.Memory.Preloaded, Is.True);
            Assert.That(model.MeasureResidency().ResidentBytes, Is.EqualTo(model.Memory.TensorBytes));
        }
    }

    [Test]
    public void CancelledPreload_Throws_AndReleasesTheFile()
    {
        string path = RepoPaths.RequireTestData($"models/{Name}.gguf");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => InferenceModel.Load(path, With(new WeightMemoryOptions { Preload = true }), cts.Token));
        Assert.Throws<OperationCanceledException>(() => LanguageModel.Load(path, new LanguageModelOptions { Model = new ModelOptions { Memory = new WeightMemoryOptions { Preload = true } } }, cts.Token));
        // Without a preload the token is not consulted: loading never waits on anything else.
        using InferenceModel model = InferenceModel.Load(path, new ModelOptions(), cts.Token);
        Assert.That(model.Memory.Preloaded, Is.False);
    }

    [Test]
    public void ModelFromMemory_IgnoresTheOptions()
    {
        byte[] image = File.ReadAllBytes(RepoPaths.RequireTestData($"models/{Name}.gguf"));
        using InferenceModel model = InferenceModel.Load(GgufFile.FromMemory(image), With(new WeightMemoryOptions { Preload = true, Lock = true }));
        Assert.That(model.Memory, Is.EqualTo(new WeightMemoryState(0, false, false, false, false, TimeSpan.Zero)));
        Assert.That(model.MeasureResidency(), Is.EqualTo(new WeightResidency(0, 0, 0)));
    }

    [Test]
    public void Options_WithoutMemory_AreInvalid()
    {
        var e = Assert.Throws<InvalidOptionException>(() => new LanguageModelOptions { Model = new ModelOptions { Memory = null! } }.Validate())!;
        Assert.That(e.Message, Does.Contain("ModelOptions.Memory"));
    }

    [Test]
    public unsafe void NativeErrors_AreTyped()
    {
        byte b = 0;
        Assert.That(NativeMethods.MemoryPrepare(&b, 1, (NiMemoryFlags)0x100, null), Is.EqualTo(NiStatus.InvalidArgument));
        Assert.That(NiException.LastErrorMessage(), Does.Contain("unknown flags 0x100"));
        if (!OperatingSystem.IsLinux()) Assert.Ignore("ni_file_drop_cache only opens the file on Linux (elsewhere there is no cache advice to give)");
        byte[] missing = "/nonexistent/ni-weights.gguf\0"u8.ToArray();
        NiStatus status;
        fixed (byte* p = missing) status = NativeMethods.FileDropCache(p, 0, 0, null);
        var e = Assert.Throws<NiSystemException>(() => NiException.ThrowIfFailed(status))!;
        Assert.That(e.Message, Does.Contain("/nonexistent/ni-weights.gguf"));
    }

    /// <summary>The managed mirrors of NI_MEMORY_* and NI_ERR_SYSTEM have the header's values (a wrong bit would ask for the wrong advice).</summary>
    [Test]
    public void ManagedFlags_MirrorTheHeader()
    {
        string header = File.ReadAllText(Path.Combine(RepoPaths.Root, "native", "include", "nativeinfer.h"));
        var defines = System.Text.RegularExpressions.Regex.Matches(header, @"#define NI_MEMORY_(\w+)\s+(\d+)u")
            .ToDictionary(m => m.Groups[1].Value, m => uint.Parse(m.Groups[2].Value));
        var managed = Enum.GetValues<NiMemoryFlags>().Where(f => f != NiMemoryFlags.None)
            .ToDictionary(f => System.Text.RegularExpressions.Regex.Replace(f.ToString(), "(?<=[a-z])(?=[A-Z])", "_").ToUpperInvariant(), f => (uint)f);
        Assert.That(managed, Is.EquivalentTo(defines));
        Assert.That(header, Does.Match(@"NI_ERR_SYSTEM\s+=\s+" + (int)NiStatus.System + @"\b"));
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; the test wants every report, in order, before Load returns.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
