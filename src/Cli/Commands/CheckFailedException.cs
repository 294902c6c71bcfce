namespace NativeInfer.Cli.Commands;

/// <summary>`nativeinfer check` found a problem: the report is on stdout, this one-line reason goes to stderr (exit 1).</summary>
public sealed class CheckFailedException(string reason) : Exception(reason);
