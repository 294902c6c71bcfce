using System.Text.RegularExpressions;
using NativeInfer.Formats;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NativeInfer.Injection;

/// <summary>Parses a KTransformers-style rule file (a YAML list of rules) with line numbers for every error.</summary>
public static class RuleFile
{
    /// <summary>Reads and parses a rule file (at most <see cref="YamlLimits.MaxBytes"/>; a pipe or device is read up to that).</summary>
    public static IReadOnlyList<InjectionRule> Load(string path)
    {
        string fileName = Path.GetFileName(path);
        string text;
        try
        {
            text = YamlLimits.ReadFile(path);
        }
        catch (YamlLimitException e)
        {
            throw new InjectionException($"{fileName}:{e.Line}: {e.Message}", e);
        }
        return Parse(text, fileName);
    }

    public static IReadOnlyList<InjectionRule> Parse(string yaml, string fileName = "rules.yaml")
    {
        try
        {
            YamlLimits.CheckText(yaml);
        }
        catch (YamlLimitException e)
        {
            throw new InjectionException($"{fileName}:{e.Line}: {e.Message}", e);
        }
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(yaml));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw new InjectionException($"{fileName}:{e.Start.Line}: malformed YAML: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this (no position) on some unterminated flow collections, e.g. "class: [A";
            // the last event it parsed is where things went wrong.
            long line = parser.Current?.End.Line ?? 1;
            throw new InjectionException($"{fileName}:{line}: malformed YAML: unexpected content after this point (an unclosed [ or {{?)", e);
        }
        if (stream.Documents.Count == 0) return [];
        if (stream.Documents.Count > 1)
            throw new InjectionException($"{fileName}:{YamlLimits.SecondDocumentLine(yaml) ?? stream.Documents[1].RootNode.Start.Line}: " +
                                         "a rule file holds one YAML document; a second one starts here");
        if (stream.Documents[0].RootNode is not YamlSequenceNode list)
            throw new InjectionException($"{fileName}:{stream.Documents[0].RootNode.Start.Line}: a rule file is a list of rules (- match: … replace: …)");
        var rules = new List<InjectionRule>();
        for (int i = 0; i < list.Children.Count; i++) rules.Add(ParseRule(list.Children[i], fileName, i));
        return rules;
    }

    private static InjectionRule ParseRule(YamlNode node, string file, int index)
    {
        var where = new RuleLocation(file, (int)node.Start.Line, index);
        if (node is not YamlMappingNode rule) throw new InjectionException($"{where}: a rule is a mapping with match and replace");
        YamlMappingNode? match = null, replace = null;
        bool recursive = true;
        foreach (var (k, v) in rule.Children)
        {
            switch (Key(k, where))
            {
                case "match":
                    match = v as YamlMappingNode ?? throw new InjectionException($"{file}:{v.Start.Line} (rule {index + 1}): match must be a mapping");
                    break;
                case "replace":
                    replace = v as YamlMappingNode ?? throw new InjectionException($"{file}:{v.Start.Line} (rule {index + 1}): replace must be a mapping");
                    break;
                case "recursive":
                    recursive = Bool(v, file, index, "recursive");
                    break;
                default:
                    throw new InjectionException($"{file}:{k.Start.Line} (rule {index + 1}): unknown key '{Key(k, where)}' (expected match, replace, recursive)");
            }
        }
        if (match is null) throw new InjectionException($"{where}: the rule has no match");
        if (replace is null) throw new InjectionException($"{where}: the rule has no replace");

        string? namePattern = null, className = null;
        Regex? name = null;
        Type? moduleType = null;
        foreach (var (k, v) in match.Children)
        {
            switch (Key(k, where))
            {
                case "name":
                    namePattern = Scalar(v, file, index, "match.name");
                    try
                    {
                        name = new Regex(namePattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                    }
                    catch (ArgumentException e)
                    {
                        throw new InjectionException($"{file}:{v.Start.Line} (rule {index + 1}): bad regular expression '{namePattern}': {e.Message}");
                    }
                    break;
                case "class":
                    className = Scalar(v, file, index, "match.class");
                    moduleType = ModuleClassNames.Resolve(className) ?? throw new InjectionException(
                        $"{file}:{v.Start.Line} (rule {index + 1}): unknown module class '{className}' (known: {string.Join(", ", ModuleClassNames.KnownNames)})");
                    break;
                default:
                    throw new InjectionException($"{file}:{k.Start.Line} (rule {index + 1}): unknown match key '{Key(k, where)}' (expected name, class)");
            }
        }
        if (namePattern is null && className is null) throw new InjectionException($"{where}: match needs a name or a class");

        string? replaceClass = null;
        var kwargs = new List<KeyValuePair<string, YamlNode>>();
        foreach (var (k, v) in replace.Children)
        {
            switch (Key(k, where))
            {
                case "class":
                    replaceClass = Scalar(v, file, index, "replace.class");
                    break;
                case "kwargs":
                    if (v is YamlScalarNode { Value: null or "" or "null" or "~" }) break;
                    if (v is not YamlMappingNode kw) throw new InjectionException($"{file}:{v.Start.Line} (rule {index + 1}): kwargs must be a mapping");
                    foreach (var (kk, kv) in kw.Children) kwargs.Add(new(Key(kk, where), kv));
                    break;
                default:
                    throw new InjectionException($"{file}:{k.Start.Line} (rule {index + 1}): unknown replace key '{Key(k, where)}' (expected class, kwargs)");
            }
        }
        if (replaceClass is null) throw new InjectionException($"{where}: replace has no class (use \"default\" to keep the built-in operator)");
        return new InjectionRule
        {
            Location = where, Name = name, NamePattern = namePattern, ClassName = className, ModuleType = moduleType,
            ReplaceClass = replaceClass, Kwargs = kwargs, Recursive = recursive,
        };
    }

    private static string Key(YamlNode k, RuleLocation where) =>
        (k as YamlScalarNode)?.Value ?? throw new InjectionException($"{where.File}:{k.Start.Line} (rule {where.RuleIndex + 1}): keys must be plain names");

    private static string Scalar(YamlNode v, string file, int index, string what) =>
        v is YamlScalarNode { Value: { Length: > 0 } s } ? s : throw new InjectionException($"{file}:{v.Start.Line} (rule {index + 1}): {what} must be a non-empty string");

    private static bool Bool(YamlNode v, string file, int index, string what) =>
        (v as YamlScalarNode)?.Value?.ToLowerInvariant() switch
        {
            "true" or "yes" => true,
            "false" or "no" => false,
            _ => throw new InjectionException($"{file}:{v.Start.Line} (rule {index + 1}): {what} must be true or false"),
        };
}
