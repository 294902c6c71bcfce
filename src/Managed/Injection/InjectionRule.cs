using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace NativeInfer.Injection;

/// <summary>
/// One rule of a KTransformers-style rule file:
/// <code>
/// - match: { name: REGEX, class: CLASS }     # regex *search* over the module path; type test incl. subclasses; ANDed
///   replace: { class: OPERATOR, kwargs: {…} } # "default" keeps the built-in operator
///   recursive: false                          # do not visit the module's children
/// </code>
/// </summary>
public sealed class InjectionRule
{
    public required RuleLocation Location { get; init; }
    public Regex? Name { get; init; }
    public string? NamePattern { get; init; }

    /// <summary>The class as written, and the module type it resolved to.</summary>
    public string? ClassName { get; init; }
    public Type? ModuleType { get; init; }

    /// <summary>The operator as written ("default", a built-in name, an alias or an assembly-qualified type).</summary>
    public required string ReplaceClass { get; init; }

    /// <summary>kwargs in file order, with the YAML node of each value (for types and line numbers).</summary>
    public IReadOnlyList<KeyValuePair<string, YamlNode>> Kwargs { get; init; } = [];

    public bool Recursive { get; init; } = true;

    /// <summary>Whether the rule selects <paramref name="module"/>; a name pattern that runs past its time limit is an <see cref="InjectionException"/> at the rule.</summary>
    public bool Matches(Models.Modules.Module module)
    {
        if (ModuleType is not null && !ModuleType.IsInstanceOfType(module)) return false;
        if (Name is null) return true;
        try
        {
            return Name.IsMatch(module.Path);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new InjectionException($"{Location}: match.name '{NamePattern}' ran past its {Name.MatchTimeout.TotalSeconds:0.###} s limit on " +
                                         $"'{module.Path}' (catastrophic backtracking, e.g. a nested quantifier); simplify the regular expression");
        }
    }

    public override string ToString() => $"{Location}: {NamePattern ?? "*"} / {ClassName ?? "*"} → {ReplaceClass}";
}
