using NativeInfer.Generation;

namespace NativeInfer.Tests.Generation;

/// <summary>
/// Disposing a session while another thread generates on it: Dispose cancels the pass and waits for it to
/// leave the native cache, the generating thread's stream ends with ObjectDisposedException (never
/// ArgumentOutOfRangeException or a crash), and the session refuses every later call. The interleavings are
/// forced with <see cref="GatedLinear"/> (inside a pass) and with the stream's own items (between steps).
/// </summary>
[NonParallelizable]
public class DisposeWhileGeneratingTests
{
    private string _rules = "";

    [SetUp]
    public void WriteRules()
    {
        _rules = Path.Combine(Path.GetTempPath(), $"ni-gated-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(_rules, $"""
            - match: {"{"} name: "^model\\.layers\\.0\\.self_attn\\.q_proj$" {"}"}
              replace: {"{"} class: "{GatedLinear.TypeName}" {"}"}
            """);
        GatedLinear.Armed = false;
        GatedLinear.Entered.Reset();
        GatedLinear.Release.Reset();
    }

    [TearDown]
    public void DeleteRules()
    {
        GatedLinear.Release.Set();
        File.Delete(_rules);
    }

    private LanguageModel Load() => TestModels.Load(TestModels.QwenQ, TestModels.Options() with { Model = new() { RulesPath = _rules } });

    /// <summary>Enumerates the stream on its own thread; the task's result is what ended it (null: it completed).</summary>
    private static Task<Exception?> Generate(GenerationSession session, Action<int>? onToken = null) => Task.Factory.StartNew(() =>
    {
        try
        {
            foreach (GeneratedToken t in session.GenerateAsync("hello there", TestModels.Sampled(1, 40))) onToken?.Invoke(t.Index);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }, TaskCreationOptions.LongRunning);

    [Test]
    public void DisposeDuringAForwardPass_WaitsForIt_TheGeneratorGetsObjectDisposed()
    {
        using LanguageModel model = Load();
        GenerationSession session = model.CreateSession();
        GatedLinear.Armed = true;
        Task<Exception?> generator = Generate(session);
        Assert.That(GatedLinear.Entered.Wait(TimeSpan.FromMinutes(1)), "the prefill reached layer 0");

        Task disposing = Task.Run(session.Dispose);
        // A correct Dispose cannot return while the pass holds the cache; a wrong one returns at once.
        Assert.That(disposing.Wait(TimeSpan.FromMilliseconds(300)), Is.False, "Dispose waits for the running pass");
        GatedLinear.Release.Set();
        Assert.That(disposing.Wait(TimeSpan.FromMinutes(1)), "Dispose returned once the pass stopped");
        Assert.That(generator.Wait(TimeSpan.FromMinutes(1)));
        Assert.That(generator.Result, Is.TypeOf<ObjectDisposedException>(), generator.Result?.ToString());
        Assert.Throws<ObjectDisposedException>(() => session.GenerateAsync("again").ToResult());
    }

    [Test]
    public void DisposeBetweenSteps_TheNextStepIsObjectDisposed()
    {
        using LanguageModel model = Load();
        GenerationSession session = model.CreateSession();
        using var firstToken = new ManualResetEventSlim();
        using var disposed = new ManualResetEventSlim();
        Task<Exception?> generator = Generate(session, index =>
        {
            if (index != 0) return;
            firstToken.Set();
            disposed.Wait(TimeSpan.FromMinutes(1));
        });
        Assert.That(firstToken.Wait(TimeSpan.FromMinutes(1)));
        session.Dispose();
        disposed.Set();
        Assert.That(generator.Wait(TimeSpan.FromMinutes(1)));
        Assert.That(generator.Result, Is.TypeOf<ObjectDisposedException>(), generator.Result?.ToString());
    }
}
