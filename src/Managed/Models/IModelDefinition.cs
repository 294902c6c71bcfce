using NativeInfer.Config;
using NativeInfer.Models.Modules;

namespace NativeInfer.Models;

/// <summary>
/// What an architecture looks like: builds the module tree for a config without touching weights.
/// The module map (<see cref="ModuleMap"/>) picks a definition by architecture name; users can
/// register their own. Implementations need a public parameterless constructor.
/// </summary>
public interface IModelDefinition
{
    /// <summary>A short name for messages ("deepseek2").</summary>
    string Name { get; }

    /// <summary>The module tree (root path ""), with every module's weights and their GGUF names.</summary>
    CausalLM BuildModuleTree(ModelConfig config);
}
