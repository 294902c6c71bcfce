using System.Globalization;
using System.Reflection;
using NativeInfer.Operators;
using YamlDotNet.RepresentationModel;

namespace NativeInfer.Injection;

/// <summary>
/// Binds a rule's kwargs (other than the common device/op ones) to an operator's options object by
/// the [Kwarg] names of its properties, checking each value's type. Errors name the rule, line,
/// kwarg and operator.
/// </summary>
public static class KwargBinder
{
    public static object? Bind(Type? optionsType, IEnumerable<KeyValuePair<string, YamlNode>> kwargs, string operatorName, RuleLocation where)
    {
        object? options = optionsType is null ? null : Activator.CreateInstance(optionsType);
        Dictionary<string, PropertyInfo> props = optionsType?.GetProperties()
            .Select(p => (p, a: p.GetCustomAttribute<KwargAttribute>()))
            .Where(x => x.a is not null)
            .ToDictionary(x => x.a!.Name, x => x.p, StringComparer.Ordinal) ?? [];
        foreach (var (name, node) in kwargs)
        {
            if (!props.TryGetValue(name, out PropertyInfo? prop))
                throw new InjectionException($"{where}: operator {operatorName} has no kwarg '{name}'" +
                                             (props.Count > 0 ? $" (it takes: {string.Join(", ", props.Keys)})" : " (it takes none besides the common device/op kwargs)"));
            try
            {
                prop.SetValue(options, Convert(node, prop.PropertyType, name, where));
            }
            catch (TargetInvocationException e) when (e.InnerException is ArgumentException bad)
            {
                // An options setter that validates its value (ExpertsOptions.Backend).
                throw new InjectionException($"{where.File}:{node.Start.Line} (rule {where.RuleIndex + 1}): kwarg '{name}' of {operatorName}: {bad.Message}");
            }
        }
        return options;
    }

    private static object Convert(YamlNode node, Type type, string name, RuleLocation where)
    {
        int line = (int)node.Start.Line;
        InjectionException Wrong(string expected) => new(
            $"{where.File}:{line} (rule {where.RuleIndex + 1}): kwarg '{name}' must be {expected} (got {Describe(node)})");
        if (type == typeof(Dictionary<int, string>))
        {
            if (node is not YamlMappingNode map) throw Wrong("a mapping of layer index to device");
            var result = new Dictionary<int, string>();
            foreach (var (k, v) in map.Children)
            {
                if (k is not YamlScalarNode ks || !int.TryParse(ks.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int idx))
                    throw Wrong("a mapping whose keys are layer indices");
                if (v is not YamlScalarNode vs) throw Wrong("a mapping whose values are device names");
                result[idx] = vs.Value ?? "";
            }
            return result;
        }
        if (node is not YamlScalarNode scalar) throw Wrong(type == typeof(string) ? "a string" : $"a {type.Name}");
        string text = scalar.Value ?? "";
        if (type == typeof(string)) return text;
        if (type == typeof(bool))
            return text.ToLowerInvariant() switch { "true" or "yes" or "on" => true, "false" or "no" or "off" => false, _ => throw Wrong("true or false") };
        if (type == typeof(int))
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : throw Wrong("an integer");
        if (type == typeof(long))
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) ? l : throw Wrong("an integer");
        if (type == typeof(float))
            return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) ? f : throw Wrong("a number");
        if (type == typeof(double))
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : throw Wrong("a number");
        if (type.IsEnum)
            return Enum.TryParse(type, text, ignoreCase: true, out object? e) ? e! : throw Wrong($"one of {string.Join(", ", Enum.GetNames(type))}");
        throw new InjectionException($"{where}: kwarg '{name}' has a type the binder does not handle ({type.Name})");
    }

    internal static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => node.NodeType.ToString(),
    };
}
