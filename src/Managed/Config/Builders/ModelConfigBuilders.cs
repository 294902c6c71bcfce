using NativeInfer.Formats;
using NativeInfer.Gguf;

namespace NativeInfer.Config.Builders;

/// <summary>
/// The registry of config builders. <see cref="Build"/> picks the highest-priority builder whose
/// condition holds; two matches at that priority is an error naming both (an ambiguity the user must
/// resolve, not something to settle by registration order); no match is an error listing what is
/// registered. A new instance holds the built-ins; <see cref="Register"/> adds more.
/// </summary>
public sealed class ModelConfigBuilders
{
    /// <summary>The default builders: plain Llama-style decoders from the generic keys.</summary>
    public const int DefaultPriority = 0;

    /// <summary>Built-in builders for one architecture.</summary>
    public const int BuiltInPriority = 100;

    /// <summary>A built-in that specialises another one whose condition also holds (Mixtral is llama with experts).</summary>
    public const int SpecializedPriority = 110;

    private readonly List<IModelConfigBuilder> _builders = [];

    /// <summary>A registry holding the built-in builders.</summary>
    public ModelConfigBuilders() : this(includeBuiltIns: true) { }

    private ModelConfigBuilders(bool includeBuiltIns)
    {
        if (!includeBuiltIns) return;
        foreach (IModelConfigBuilder b in BuiltIns()) Register(b);
    }

    /// <summary>A registry without any builder (tests, or users who want full control).</summary>
    public static ModelConfigBuilders Empty() => new(includeBuiltIns: false);

    /// <summary>Fresh instances of every built-in builder.</summary>
    public static IReadOnlyList<IModelConfigBuilder> BuiltIns() =>
    [
        new DeepseekV2GgufBuilder(), new DeepseekV2HfBuilder(),
        new Qwen2MoeGgufBuilder(), new Qwen2MoeHfBuilder(),
        new Qwen3MoeGgufBuilder(), new Qwen3MoeHfBuilder(),
        new Qwen3GgufBuilder(), new Qwen3HfBuilder(),
        new DeepseekV3HfBuilder(),
        new LlamaGgufBuilder(), new LlamaHfBuilder(),
        new Qwen2GgufBuilder(), new Qwen2HfBuilder(),
        new MixtralGgufBuilder(), new MixtralHfBuilder(),
        new DefaultGgufBuilder(), new DefaultHfBuilder(),
    ];

    public IReadOnlyList<IModelConfigBuilder> Builders => _builders;

    /// <summary>Adds a builder; its name must be new (<see cref="Unregister"/> first to replace one).</summary>
    public ModelConfigBuilders Register(IModelConfigBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (string.IsNullOrWhiteSpace(builder.Name)) throw new ArgumentException("a config builder needs a name", nameof(builder));
        if (_builders.Any(b => b.Name == builder.Name))
            throw new ArgumentException($"a config builder named '{builder.Name}' is registered already", nameof(builder));
        _builders.Add(builder);
        return this;
    }

    /// <summary>Adds a builder made of a condition and a build function.</summary>
    public ModelConfigBuilders Register(string name, int priority, Func<ModelSource, bool> canBuild, Func<ModelSource, ModelConfig> build) =>
        Register(new DelegateConfigBuilder(name, priority, canBuild, build));

    public bool Unregister(string name) => _builders.RemoveAll(b => b.Name == name) > 0;

    /// <summary>The builder <see cref="Build"/> would use; throws <see cref="ModelConfigException"/> on no match or a tie.</summary>
    public IModelConfigBuilder Select(ModelSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var matches = new List<IModelConfigBuilder>();
        foreach (IModelConfigBuilder b in _builders)
        {
            bool ok;
            try
            {
                ok = b.CanBuild(source);
            }
            catch (Exception e)
            {
                throw new ModelConfigException($"{source.Description}: the condition of config builder '{b.Name}' failed: {e.Message}", e)
                    { SourceDescription = source.Description };
            }
            if (ok) matches.Add(b);
        }
        if (matches.Count == 0)
            throw new ModelConfigException(
                $"{source.Description}: no config builder for {source.Format} architecture '{source.Architecture}'"
                + $" (built-in architectures: {KnownArchitectures}; registered builders: {string.Join(", ", _builders.Select(b => b.Name))})")
                { SourceDescription = source.Description };
        int best = matches.Max(b => b.Priority);
        var top = matches.Where(b => b.Priority == best).ToList();
        if (top.Count > 1)
            throw new ModelConfigException(
                $"{source.Description}: config builders {string.Join(" and ", top.Select(b => $"'{b.Name}'"))} both match"
                + $" architecture '{source.Architecture}' at priority {best}; give one a higher priority or unregister one")
                { SourceDescription = source.Description };
        return top[0];
    }

    /// <summary>
    /// Builds the config with the selected builder, sets <see cref="ModelConfig.BuiltBy"/> to its name,
    /// validates, and checks its counts against what the file holds (<see cref="ConfigFileBounds"/>). Metadata of the wrong type becomes a <see cref="ModelConfigException"/> naming the
    /// key and the source.
    /// </summary>
    public ModelConfig Build(ModelSource source) => Build(source, out _);

    public ModelConfig Build(ModelSource source, out IModelConfigBuilder builder)
    {
        builder = Select(source);
        ModelConfig config;
        try
        {
            config = builder.Build(source);
        }
        catch (GgufMetadataException e)
        {
            throw new ModelConfigException($"{e.Message} (config builder '{builder.Name}')", e) { Key = e.Key, SourceDescription = source.Description };
        }
        catch (HuggingFaceConfigException e)
        {
            throw new ModelConfigException($"{e.Message} (config builder '{builder.Name}')", e) { Key = e.Key, SourceDescription = source.Description };
        }
        catch (ModelConfigException e) when (e.SourceDescription is null)
        {
            // Typically the builder's own Validate(): say where and who.
            throw new ModelConfigException($"{source.Description}: {e.Message} (config builder '{builder.Name}')", e) { Key = e.Key, SourceDescription = source.Description };
        }
        if (config is null) throw new ModelConfigException($"{source.Description}: config builder '{builder.Name}' returned no config");
        if (config.BuiltBy != builder.Name) config = config with { BuiltBy = builder.Name };
        try
        {
            config.Validate();
        }
        catch (ModelConfigException e)
        {
            throw new ModelConfigException($"{source.Description}: {e.Message}", e) { Key = e.Key, SourceDescription = source.Description };
        }
        ConfigFileBounds.Check(config, source);
        return config;
    }

    /// <summary>Architecture names the built-in builders recognise, for messages.</summary>
    public static string KnownArchitectures =>
        "GGUF deepseek2, qwen2moe, qwen3moe, qwen3, llama (with experts: Mixtral), qwen2, or any with the generic {arch}.* keys; "
        + "config.json DeepseekV2ForCausalLM, DeepseekV3ForCausalLM, Qwen2MoeForCausalLM, Qwen3MoeForCausalLM, Qwen3ForCausalLM, LlamaForCausalLM, "
        + "MistralForCausalLM, Qwen2ForCausalLM, MixtralForCausalLM, "
        + "or any with the standard Llama keys";
}
