namespace NativeInfer.Runtime;

/// <summary>
/// An options object failed <c>Validate()</c>. <see cref="Option"/> names the option as
/// "Type.Property" (e.g. "SamplingOptions.TopP"); the message says what values are allowed.
/// </summary>
public sealed class InvalidOptionException : ArgumentException
{
    public InvalidOptionException(string option, object? value, string requirement)
        : base($"{option} = {Format(value)}: {requirement}", option)
    {
        Option = option;
        Value = value;
        Requirement = requirement;
    }

    /// <summary>What the value must be ("must be in (0, 1]").</summary>
    public string Requirement { get; }

    /// <summary>The option at fault, "Type.Property".</summary>
    public string Option { get; }

    /// <summary>The value it had.</summary>
    public object? Value { get; }

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
