namespace NativeInfer.Injection;

/// <summary>A rule file or rule cannot be applied; the message names the file, line and rule.</summary>
public sealed class InjectionException(string message, Exception? inner = null) : Exception(message, inner);
