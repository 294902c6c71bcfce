using NativeInfer.Diagnostics;

namespace NativeInfer.Injection;

/// <summary>
/// A rule file or rule cannot be applied; the message names the file, line and rule. It is one line: text
/// quoted from the file (names, patterns, values) has its control characters escaped (<see cref="DisplayText"/>).
/// </summary>
public sealed class InjectionException(string message, Exception? inner = null) : Exception(DisplayText.Escape(message), inner);
