namespace NativeInfer.Models;

/// <summary>
/// The module map cannot give a definition: an unknown architecture, or an override that cannot be used
/// (a YAML file that does not parse, a type that does not load or is not an <see cref="IModelDefinition"/>).
/// File and line are set for problems in an override file. The message is one line (text quoted from the
/// file has its control characters escaped, <see cref="Diagnostics.DisplayText"/>).
/// </summary>
public sealed class ModuleMapException(string message, Exception? inner = null) : Exception(Diagnostics.DisplayText.Escape(message), inner)
{
    /// <summary>The architecture name involved, when there is one.</summary>
    public string? Architecture { get; init; }

    /// <summary>The override file, for problems found in one.</summary>
    public string? File { get; init; }

    /// <summary>1-based line in <see cref="File"/>.</summary>
    public int? Line { get; init; }

    /// <summary>The type name that could not be used.</summary>
    public string? TypeName { get; init; }
}
