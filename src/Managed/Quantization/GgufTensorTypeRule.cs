using System.Text.RegularExpressions;
using NativeInfer.Gguf;

namespace NativeInfer.Quantization;

/// <summary>
/// A per-tensor override of the quantizer's choice (llama.cpp's <c>--tensor-type</c>): tensors whose name
/// <paramref name="Pattern"/> finds (a search) get <paramref name="Type"/>; the last matching rule wins.
/// </summary>
public sealed record GgufTensorTypeRule(Regex Pattern, GgmlType Type);
