namespace NativeInfer.Quantization;

/// <summary>Progress of <see cref="GgufQuantizer.Quantize"/>: reported after every chunk of every tensor.</summary>
/// <param name="TensorIndex">0-based index of the tensor being written.</param>
/// <param name="TensorCount">Tensors in the file.</param>
/// <param name="Plan">What is being done to it.</param>
/// <param name="SourceBytesDone">Input tensor bytes processed so far, over all tensors.</param>
/// <param name="Elapsed">Time since writing began.</param>
public readonly record struct GgufQuantizeProgress(int TensorIndex, int TensorCount, GgufTensorPlan Plan, long SourceBytesDone, TimeSpan Elapsed);
