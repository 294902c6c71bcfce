namespace NativeInfer.Config.Builders;

/// <summary>A config builder made of two functions (<see cref="ModelConfigBuilders.Register(string, int, Func{ModelSource, bool}, Func{ModelSource, ModelConfig})"/>).</summary>
public sealed class DelegateConfigBuilder(string name, int priority, Func<ModelSource, bool> canBuild, Func<ModelSource, ModelConfig> build) : IModelConfigBuilder
{
    public string Name { get; } = name;
    public int Priority { get; } = priority;
    public bool CanBuild(ModelSource source) => canBuild(source);
    public ModelConfig Build(ModelSource source) => build(source).Validate();
}
