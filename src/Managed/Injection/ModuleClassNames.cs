using NativeInfer.Models.Modules;

namespace NativeInfer.Injection;

/// <summary>
/// Resolves `match.class` names to module types: our class names ("DeepseekV2MoE"), the Python paths
/// KTransformers' rule files use ("torch.nn.Linear", "ktransformers.models.modeling_deepseek.DeepseekV2MoE")
/// and assembly-qualified .NET types of user module classes.
/// </summary>
public static class ModuleClassNames
{
    private static readonly Dictionary<string, Type> Known = BuildKnown();

    private static Dictionary<string, Type> BuildKnown()
    {
        var known = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (Type t in typeof(Module).Assembly.GetTypes().Where(t => typeof(Module).IsAssignableFrom(t)))
            known[t.Name] = t;
        known["torch.nn.Linear"] = typeof(Linear);
        known["torch.nn.Embedding"] = typeof(Embedding);
        known["Module"] = typeof(Module);
        known["torch.nn.Module"] = typeof(Module);
        return known;
    }

    /// <summary>The module type for <paramref name="name"/>; null when unknown.</summary>
    public static Type? Resolve(string name)
    {
        if (Known.TryGetValue(name, out Type? t)) return t;
        // Python module paths of Hugging Face / KTransformers model classes: the last segment is the class.
        int dot = name.LastIndexOf('.');
        if (dot > 0 && !name.Contains(',') && Known.TryGetValue(name[(dot + 1)..], out t)) return t;
        Type? user = Type.GetType(name, throwOnError: false);
        return user is not null && typeof(Module).IsAssignableFrom(user) ? user : null;
    }

    public static IEnumerable<string> KnownNames => Known.Keys.OrderBy(k => k, StringComparer.Ordinal);
}
