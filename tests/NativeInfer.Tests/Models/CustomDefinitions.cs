using NativeInfer.Config;
using NativeInfer.Models;
using NativeInfer.Models.Modules;

namespace NativeInfer.Tests.Models;

/// <summary>A user definition for module-map override tests: the llama tree with another root class name.</summary>
public sealed class CustomLlamaDefinition : IModelDefinition
{
    public string Name => "custom-llama";

    public CausalLM BuildModuleTree(ModelConfig config)
    {
        CausalLM inner = new LlamaDefinition().BuildModuleTree(config);
        return new CausalLM("CustomForCausalLM", config, _ => inner.Model);
    }
}

/// <summary>Implements the interface but cannot be created without arguments.</summary>
public sealed class DefinitionWithArguments(int size) : IModelDefinition
{
    public string Name => $"needs {size}";
    public CausalLM BuildModuleTree(ModelConfig config) => throw new NotSupportedException();
}

/// <summary>Abstract: the map must refuse it.</summary>
public abstract class AbstractDefinition : IModelDefinition
{
    public abstract string Name { get; }
    public abstract CausalLM BuildModuleTree(ModelConfig config);
}
