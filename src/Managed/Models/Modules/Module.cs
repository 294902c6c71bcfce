namespace NativeInfer.Models.Modules;

/// <summary>
/// A node of a model's module tree, built from a <see cref="Config.ModelConfig"/> without touching
/// weights. Paths use Hugging Face names (<c>model.layers.3.self_attn.kv_b_proj</c>); classes form a
/// hierarchy so an injection rule on a base class matches its subclasses. A module lists the weight
/// tensors it owns directly (<see cref="Weights"/>), with their GGUF names and expected shapes.
/// </summary>
public abstract class Module
{
    private readonly List<Module> _children = [];

    protected Module(string path) => Path = path;

    /// <summary>Dotted Hugging Face path; the root is "".</summary>
    public string Path { get; }

    /// <summary>Last path segment ("kv_b_proj").</summary>
    public string Name => Path.Length == 0 ? "" : Path[(Path.LastIndexOf('.') + 1)..];

    public Module? Parent { get; private set; }

    public IReadOnlyList<Module> Children => _children;

    /// <summary>Weights owned by this module itself (children list their own).</summary>
    public virtual IReadOnlyList<TensorSpec> Weights => [];

    /// <summary>The class name injection rules see (the Hugging Face / KTransformers class name).</summary>
    public virtual string ClassName => GetType().Name;

    /// <summary>Path of a child called <paramref name="name"/>.</summary>
    protected string ChildPath(string name) => Path.Length == 0 ? name : Path + "." + name;

    protected T Add<T>(T child) where T : Module
    {
        if (!child.Path.StartsWith(Path, StringComparison.Ordinal))
            throw new InvalidOperationException($"child {child.Path} is not under {Path}");
        child.Parent = this;
        _children.Add(child);
        return child;
    }

    /// <summary>This module and everything below it, depth first, parents before children.</summary>
    public IEnumerable<Module> Descendants()
    {
        yield return this;
        foreach (Module child in _children)
        foreach (Module m in child.Descendants())
            yield return m;
    }

    /// <summary>Finds a module by path below (or at) this one.</summary>
    public Module? Find(string path) => Descendants().FirstOrDefault(m => m.Path == path);

    public override string ToString() => $"{Path} ({ClassName})";
}
