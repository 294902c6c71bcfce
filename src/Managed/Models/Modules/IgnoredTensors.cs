using System.Text.RegularExpressions;

namespace NativeInfer.Models.Modules;

/// <summary>Tensors an architecture's files may carry that decoding does not need (a multi-token-prediction layer), and why.</summary>
public sealed record IgnoredTensors(Regex Pattern, string Reason);
