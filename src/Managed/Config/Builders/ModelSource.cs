using NativeInfer.Formats;
using NativeInfer.Gguf;

namespace NativeInfer.Config.Builders;

/// <summary>
/// What a config builder reads: GGUF metadata or a Hugging Face config.json (the primary description,
/// <see cref="Format"/>), optionally the other one as a companion, the names of the tensors that
/// come with it (when known) and a description for messages. A GGUF source is primary when both are
/// present; the built-in builders read only the primary, a user builder may read both.
/// </summary>
public sealed class ModelSource
{
    private readonly HashSet<string>? _tensorNames;

    private ModelSource(GgufMetadata? gguf, HuggingFaceConfig? config, IEnumerable<string>? tensorNames, string description,
                        SourceContents? contents = null)
    {
        Gguf = gguf;
        HfConfig = config;
        Description = description;
        Contents = contents;
        _tensorNames = tensorNames is null ? null : new HashSet<string>(tensorNames, StringComparer.Ordinal);
        Architecture = gguf is not null ? GgufArchitecture(gguf, description) : HfArchitecture(config!, description);
    }

    /// <summary>A GGUF file: its metadata, tensor names and <see cref="Contents"/>, described by its path.</summary>
    public static ModelSource FromGguf(GgufFile file) =>
        new(file.Metadata, null, file.Tensors.Select(t => t.Name), file.Source,
            SourceContents.FromTensors(file.Tensors.Select(t => (t.Name, (IReadOnlyList<long>)t.Dimensions.ToArray()))));

    /// <summary>GGUF metadata; <paramref name="tensorNames"/> null when the tensors are not known.</summary>
    public static ModelSource FromGguf(GgufMetadata metadata, IEnumerable<string>? tensorNames = null, string? description = null) =>
        new(metadata, null, tensorNames, description ?? metadata.Source);

    /// <summary>A config.json; <paramref name="tensorNames"/> are the checkpoint's tensors when known.</summary>
    public static ModelSource FromConfig(HuggingFaceConfig config, IEnumerable<string>? tensorNames = null, string? description = null) =>
        new(null, config, tensorNames, description ?? config.Source);

    /// <summary>A config.json with its checkpoint's tensors (names and ggml dimensions), which also give <see cref="Contents"/>.</summary>
    public static ModelSource FromCheckpoint(HuggingFaceConfig config, IReadOnlyCollection<(string Name, IReadOnlyList<long> Ne)> tensors, string? description = null) =>
        new(null, config, tensors.Select(t => t.Name), description ?? config.Source, SourceContents.FromTensors(tensors));

    /// <summary>This source with a companion config.json (a GGUF converted from that checkpoint).</summary>
    public ModelSource WithCompanion(HuggingFaceConfig config)
    {
        if (Gguf is null) throw new InvalidOperationException($"{Description} is a config.json source already");
        return new ModelSource(Gguf, config, _tensorNames, Description, Contents);
    }

    /// <summary>GGUF when GGUF metadata is present (it is then primary), else HuggingFace.</summary>
    public ModelFormat Format => Gguf is not null ? ModelFormat.Gguf : ModelFormat.HuggingFace;

    public GgufMetadata? Gguf { get; }

    /// <summary>The config.json: the primary description of a HuggingFace source, a companion of a GGUF one.</summary>
    public HuggingFaceConfig? HfConfig { get; }

    /// <summary>For messages: a path or a name.</summary>
    public string Description { get; }

    /// <summary>GGUF <c>general.architecture</c> ("deepseek2") or config.json <c>architectures[0]</c> ("DeepseekV2ForCausalLM").</summary>
    public string Architecture { get; }

    /// <summary>Names of the tensors that come with this description; null when unknown.</summary>
    public IReadOnlyCollection<string>? TensorNames => _tensorNames;

    /// <summary>
    /// Whether the tensor list is known and non-empty. A vocabulary-only GGUF has an empty list, which
    /// says nothing about how the weights are laid out, so builders must not infer from it.
    /// </summary>
    public bool KnowsTensors => _tensorNames is { Count: > 0 };

    /// <summary>True / false when the tensors are known (<see cref="KnowsTensors"/>); null when not.</summary>
    public bool? HasTensor(string name) => KnowsTensors ? _tensorNames!.Contains(name) : null;

    /// <summary>
    /// What the file holds (tensor count, largest dimension, layer indices), when the source was made from
    /// a file; null when it was made from metadata and names alone. The counts a config takes from the
    /// metadata are checked against it (<see cref="ConfigFileBounds"/>).
    /// </summary>
    public SourceContents? Contents { get; }

    public override string ToString() => $"{Description} ({Format}, {Architecture})";

    private static string GgufArchitecture(GgufMetadata gguf, string description)
    {
        try
        {
            if (gguf.TryGetString("general.architecture", out string arch) && arch.Length > 0) return arch;
        }
        catch (GgufMetadataException e)
        {
            throw new ModelConfigException($"{description}: {e.Message}", e) { Key = "general.architecture", SourceDescription = description };
        }
        throw new ModelConfigException($"{description}: metadata key 'general.architecture' is missing or empty; it names the architecture")
            { Key = "general.architecture", SourceDescription = description };
    }

    private static string HfArchitecture(HuggingFaceConfig config, string description)
    {
        string[] architectures;
        try
        {
            architectures = config.Architectures;
        }
        catch (HuggingFaceConfigException e)
        {
            throw new ModelConfigException($"{description}: {e.Message}", e) { Key = "architectures", SourceDescription = description };
        }
        if (architectures.Length == 0 || architectures[0].Length == 0)
            throw new ModelConfigException($"{description}: 'architectures' is missing or empty; it names the model class (\"DeepseekV2ForCausalLM\")")
                { Key = "architectures", SourceDescription = description };
        return architectures[0];
    }
}
