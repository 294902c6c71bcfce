namespace NativeInfer.Models;

/// <summary>
/// Overrides for a <see cref="ModuleMap"/>, applied over the built-ins in this order (a later one wins
/// for the same name): <see cref="Files"/> in list order, then <see cref="Types"/>, then
/// <see cref="Definitions"/>. Names compare case-insensitively.
/// </summary>
public sealed class ModuleMapOptions
{
    /// <summary>YAML files mapping architecture names to assembly-qualified type names (see docs/config.md).</summary>
    public IList<string> Files { get; } = new List<string>();

    /// <summary>Architecture name → a type implementing <see cref="IModelDefinition"/> with a public parameterless constructor.</summary>
    public IDictionary<string, Type> Types { get; } = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Architecture name → a ready instance (shared by every lookup).</summary>
    public IDictionary<string, IModelDefinition> Definitions { get; } = new Dictionary<string, IModelDefinition>(StringComparer.OrdinalIgnoreCase);
}
