namespace NativeInfer.Tensors;

/// <summary>Where operators find their weights (a GGUF file today), by GGUF tensor name.</summary>
public interface IWeightSource
{
    /// <summary>Description for messages ("model.gguf").</summary>
    string Description { get; }

    bool TryGetTensor(string name, out WeightTensor tensor);

    /// <summary>The tensor, or a <see cref="ModelLoadException"/> naming it and the source.</summary>
    WeightTensor GetTensor(string name) =>
        TryGetTensor(name, out WeightTensor t) ? t : throw new ModelLoadException($"{Description}: tensor '{name}' is missing");
}
