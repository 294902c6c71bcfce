using System.Reflection;

namespace NativeInfer.Tests.Architecture;

/// <summary>
/// The runtime assembly is the runtime: synthetic models, the demo and the BPE trainer live in
/// NativeInfer.Synthetic, which the CLI, tests and benches use and the runtime never references.
/// </summary>
public class RuntimeAssemblyTests
{
    private static readonly Assembly Runtime = typeof(NativeInfer.Runtime.InferenceModel).Assembly;
    private static readonly Assembly Synthetic = typeof(NativeInfer.Models.Synthetic.TinyModel).Assembly;

    [Test]
    public void Runtime_DoesNotReferenceTheSyntheticAssembly()
    {
        Assert.That(Synthetic.GetName().Name, Is.EqualTo("NativeInfer.Synthetic"));
        Assert.That(Runtime.GetReferencedAssemblies().Select(a => a.Name), Has.None.EqualTo("NativeInfer.Synthetic"));
    }

    [Test]
    public void Runtime_HoldsNoSyntheticModelOrTrainerType()
    {
        string[] tooling = Runtime.GetTypes().Select(t => t.Namespace ?? "")
            .Where(ns => ns.StartsWith("NativeInfer.Models.Synthetic", StringComparison.Ordinal) || ns == "NativeInfer.Tokenization.Training")
            .Distinct().ToArray();
        Assert.That(tooling, Is.Empty);
        Assert.That(Runtime.GetManifestResourceNames(), Has.None.EqualTo("NativeInfer.DemoCorpus.txt"));
        Assert.That(Synthetic.GetManifestResourceNames(), Has.Some.EqualTo("NativeInfer.DemoCorpus.txt"));
    }
}
