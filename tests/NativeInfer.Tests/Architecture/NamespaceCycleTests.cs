using System.Reflection;

namespace NativeInfer.Tests.Architecture;

/// <summary>
/// The runtime's namespaces form layers (docs/ARCHITECTURE.md): a layer may use those below it, never one
/// above, so no two layers use each other, directly or through others. A layer is a namespace directly under
/// NativeInfer with its sub-namespaces. Read from the compiled assembly
/// (<see cref="NamespaceGraph"/>: signatures, attributes and the IL of every method), so a `using` that hides
/// behind a fully qualified name counts too.
/// </summary>
public class NamespaceCycleTests
{
    private static readonly Assembly Runtime = typeof(NativeInfer.Runtime.InferenceModel).Assembly;

    /// <summary>A layer is a namespace directly under NativeInfer; its sub-namespaces (Models.Modules, Generation.Sampling) belong to it.</summary>
    private static string Layer(string ns)
    {
        string[] parts = ns.Split('.');
        return parts.Length > 2 && parts[0] == "NativeInfer" ? $"{parts[0]}.{parts[1]}" : ns;
    }

    [Test]
    public void RuntimeAssembly_Layers_HaveNoCycle()
    {
        var graph = new NamespaceGraph(Runtime, Layer);
        List<List<string>> cycles = graph.Cycles();
        Assert.That(cycles, Is.Empty, () => "namespaces that use each other:" + string.Concat(cycles.Select(c =>
            Environment.NewLine + "  " + string.Join(" ⇄ ", c) + string.Concat(graph.Describe(c).Select(e => Environment.NewLine + "    " + e)))));
    }

    [Test]
    public void Graph_SeesReferencesInSignaturesAndInIl()
    {
        // The graph must see what it is meant to police: the runtime uses the operators through the decoder stack
        // (a field type) and through calls in the IL of InferenceModel.Load.
        var graph = new NamespaceGraph(Runtime, Layer);
        Assert.That(graph.Edges["NativeInfer.Runtime"].Keys, Does.Contain("NativeInfer.Operators"));
        Assert.That(graph.Edges["NativeInfer.Runtime"].Keys, Does.Contain("NativeInfer.Injection"));
    }

    [Test]
    public void Graph_FindsACycleMadeOnlyOfMethodBodies()
    {
        // Two sample namespaces below that use each other only inside method bodies (a call, a typeof).
        var graph = new NamespaceGraph(typeof(NamespaceCycleTests).Assembly, ns => ns);
        Assert.That(graph.Cycles(), Has.Some.EqualTo(new[] { typeof(CycleSampleA.UsesB).Namespace, typeof(CycleSampleB.UsesA).Namespace }));
    }
}
