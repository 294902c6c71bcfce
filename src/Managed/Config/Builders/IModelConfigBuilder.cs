namespace NativeInfer.Config.Builders;

/// <summary>
/// Turns one kind of model description into a <see cref="ModelConfig"/>. The registry
/// (<see cref="ModelConfigBuilders"/>) asks every builder whether it can build a source and uses the
/// highest-priority one that can; two at the same highest priority is an error.
/// </summary>
public interface IModelConfigBuilder
{
    /// <summary>Unique name, shown by `nativeinfer check` and stored in <see cref="ModelConfig.BuiltBy"/> ("gguf:deepseek2").</summary>
    string Name { get; }

    /// <summary>
    /// Higher wins. Built-ins use <see cref="ModelConfigBuilders.BuiltInPriority"/>, specialisations of a
    /// built-in <see cref="ModelConfigBuilders.SpecializedPriority"/>, the default builders
    /// <see cref="ModelConfigBuilders.DefaultPriority"/>; a user builder above 110 overrides them all.
    /// </summary>
    int Priority { get; }

    /// <summary>The condition: a cheap look at the source (format, architecture, a key or two). Must not throw.</summary>
    bool CanBuild(ModelSource source);

    /// <summary>The config, already <see cref="ModelConfig.Validate"/>d; throws <see cref="ModelConfigException"/> naming the key and source.</summary>
    ModelConfig Build(ModelSource source);
}
