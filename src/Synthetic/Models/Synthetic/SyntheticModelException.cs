namespace NativeInfer.Models.Synthetic;

/// <summary>A synthetic model that cannot be written as asked: a width that does not fit, a type that does not fit a row, a missing tokenizer.</summary>
public sealed class SyntheticModelException(string message) : Exception(message);
