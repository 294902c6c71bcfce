using System.Reflection;
using System.Runtime.Loader;
using NativeInfer.Formats;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NativeInfer.Models;

/// <summary>
/// Architecture name → model definition: GGUF <c>general.architecture</c> ("deepseek2") or config.json
/// <c>architectures[0]</c> ("DeepseekV2ForCausalLM"). Built-ins cover DeepSeek-V2/V3, Qwen2-MoE, Qwen3(-MoE) and the
/// Llama family; users add or replace entries with <see cref="Register(string, Type)"/>, an options
/// object or a YAML file naming their own types (the analog of lmdeploy's custom_module_map).
/// </summary>
public sealed class ModuleMap
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The built-in map.</summary>
    public ModuleMap()
    {
        foreach (string name in (string[])["deepseek2", "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM"]) Register(name, typeof(DeepseekDefinition), "built-in");
        foreach (string name in (string[])["qwen2moe", "Qwen2MoeForCausalLM"]) Register(name, typeof(Qwen2MoeDefinition), "built-in");
        foreach (string name in (string[])["qwen3moe", "Qwen3MoeForCausalLM"]) Register(name, typeof(Qwen3MoeDefinition), "built-in");
        foreach (string name in (string[])["qwen3", "Qwen3ForCausalLM"]) Register(name, typeof(Qwen3Definition), "built-in");
        foreach (string name in (string[])["llama", "qwen2", "mistral", "mixtral", "LlamaForCausalLM", "Qwen2ForCausalLM", "MistralForCausalLM", "MixtralForCausalLM"])
            Register(name, typeof(LlamaDefinition), "built-in");
    }

    /// <summary>The built-in map with <paramref name="options"/> applied (files, then types, then instances).</summary>
    public ModuleMap(ModuleMapOptions options) : this()
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (string file in options.Files) LoadYaml(file);
        foreach ((string name, Type type) in options.Types) Register(name, type);
        foreach ((string name, IModelDefinition definition) in options.Definitions) Register(name, definition);
    }

    /// <summary>Every name the map knows, sorted.</summary>
    public IReadOnlyList<string> Names => _entries.Keys.Order(StringComparer.OrdinalIgnoreCase).ToList();

    public bool Contains(string architecture) => _entries.ContainsKey(architecture);

    /// <summary>Where the entry for a name came from ("built-in", "Register", "map.yaml:3").</summary>
    public string? OriginOf(string architecture) => _entries.TryGetValue(architecture, out Entry? e) ? e.Origin : null;

    /// <summary>Maps a name to a definition type (replacing any entry); the type is checked now.</summary>
    public ModuleMap Register(string architecture, Type definitionType) => Register(architecture, definitionType, "Register");

    public ModuleMap Register<T>(string architecture) where T : IModelDefinition, new() => Register(architecture, typeof(T), "Register");

    /// <summary>Maps a name to one shared instance (replacing any entry).</summary>
    public ModuleMap Register(string architecture, IModelDefinition definition)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(architecture);
        ArgumentNullException.ThrowIfNull(definition);
        _entries[architecture] = new Entry(() => definition, definition.GetType(), "Register");
        return this;
    }

    /// <summary>The definition for an architecture; <see cref="ModuleMapException"/> listing the known names when there is none.</summary>
    public IModelDefinition Resolve(string architecture)
    {
        if (TryResolve(architecture, out IModelDefinition? d)) return d;
        throw new ModuleMapException($"unknown architecture '{architecture}' (the module map knows: {string.Join(", ", Names)};"
                                     + " add one with a module map file, see docs/config.md)") { Architecture = architecture };
    }

    public bool TryResolve(string architecture, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IModelDefinition? definition)
    {
        definition = _entries.TryGetValue(architecture, out Entry? e) ? e.Create() : null;
        return definition is not null;
    }

    /// <summary>The definition type mapped to a name, or null.</summary>
    public Type? DefinitionTypeOf(string architecture) => _entries.TryGetValue(architecture, out Entry? e) ? e.Type : null;

    /// <summary>
    /// Applies a YAML override file: a mapping of architecture names to assembly-qualified type names.
    /// Assemblies are looked up by name, then as <c>NAME.dll</c> beside the file. Nothing is applied
    /// unless the whole file is valid.
    /// </summary>
    public ModuleMap LoadYaml(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        string text;
        try
        {
            text = YamlLimits.ReadFile(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModuleMapException($"{full}: cannot read the module map file: {e.Message}", e) { File = full };
        }
        catch (YamlLimitException e)
        {
            throw new ModuleMapException($"{full}:{e.Line}: {e.Message}", e) { File = full, Line = e.Line };
        }
        var parsed = new List<(string Name, Type Type, int Line)>();
        foreach ((string name, string typeName, int line) in ParseYaml(text, full))
            parsed.Add((name, LoadType(typeName, full, line, name), line));
        foreach ((string name, Type type, int line) in parsed) Register(name, type, $"{System.IO.Path.GetFileName(full)}:{line}");
        return this;
    }

    // ------------------------------------------------------------------ YAML and type loading

    private static List<(string Name, string TypeName, int Line)> ParseYaml(string text, string file)
    {
        try
        {
            YamlLimits.CheckText(text);
        }
        catch (YamlLimitException e)
        {
            throw new ModuleMapException($"{file}:{e.Line}: {e.Message}", e) { File = file, Line = e.Line };
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            int line = (int)e.Start.Line;
            throw new ModuleMapException($"{file}:{line}: invalid YAML: {Innermost(e).Message}", e) { File = file, Line = line };
        }
        var result = new List<(string, string, int)>();
        if (stream.Documents.Count == 0) return result;
        if (stream.Documents.Count > 1)
        {
            int line = YamlLimits.SecondDocumentLine(text) ?? (int)stream.Documents[1].RootNode.Start.Line;
            throw new ModuleMapException($"{file}:{line}: a module map holds one YAML document; a second one starts here") { File = file, Line = line };
        }
        YamlNode root = stream.Documents[0].RootNode;
        if (root is YamlScalarNode { Value: null or "" }) return result; // an empty file maps nothing
        if (root is not YamlMappingNode map)
            throw At(file, root, "expected a mapping of architecture names to type names (deepseek2: My.Namespace.MyDefinition, MyAssembly)");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach ((YamlNode key, YamlNode value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } name })
                throw At(file, key, "an architecture name must be a non-empty string");
            if (!seen.Add(name)) throw At(file, key, $"architecture '{name}' is mapped twice");
            if (value is not YamlScalarNode { Value: { Length: > 0 } typeName })
                throw At(file, value, $"the value for '{name}' must be an assembly-qualified type name");
            result.Add((name, typeName.Trim(), (int)key.Start.Line));
        }
        return result;
    }

    private static Type LoadType(string typeName, string file, int line, string architecture)
    {
        string where = $"{file}:{line}";
        string directory = System.IO.Path.GetDirectoryName(file)!;
        Type? type;
        try
        {
            type = Type.GetType(typeName, name => LoadAssembly(name, directory), null, throwOnError: true);
        }
        catch (Exception e) when (e is TypeLoadException or FileNotFoundException or FileLoadException or BadImageFormatException or ArgumentException)
        {
            throw new ModuleMapException($"{where}: cannot load type '{typeName}' for '{architecture}': {e.Message}", e)
                { File = file, Line = line, TypeName = typeName, Architecture = architecture };
        }
        string? problem = Problem(type!);
        if (problem is not null)
            throw new ModuleMapException($"{where}: type '{type!.FullName}' for '{architecture}' {problem}")
                { File = file, Line = line, TypeName = typeName, Architecture = architecture };
        return type!;
    }

    /// <summary>By name first (already loaded or on the probing path), then NAME.dll beside the YAML file.</summary>
    private static Assembly? LoadAssembly(AssemblyName name, string directory)
    {
        try
        {
            return AssemblyLoadContext.Default.LoadFromAssemblyName(name);
        }
        catch (FileNotFoundException)
        {
            string candidate = System.IO.Path.Combine(directory, name.Name + ".dll");
            if (!System.IO.File.Exists(candidate)) throw;
            return AssemblyLoadContext.Default.LoadFromAssemblyPath(candidate);
        }
    }

    private ModuleMap Register(string architecture, Type type, string origin)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(architecture);
        ArgumentNullException.ThrowIfNull(type);
        if (Problem(type) is string problem)
            throw new ModuleMapException($"type '{type.FullName}' for '{architecture}' {problem}") { Architecture = architecture, TypeName = type.AssemblyQualifiedName };
        _entries[architecture] = new Entry(() => (IModelDefinition)Activator.CreateInstance(type)!, type, origin);
        return this;
    }

    /// <summary>Why a type cannot serve as a definition, or null when it can.</summary>
    private static string? Problem(Type type)
    {
        if (!typeof(IModelDefinition).IsAssignableFrom(type)) return $"does not implement {typeof(IModelDefinition).FullName}";
        if (type.IsAbstract || type.IsInterface) return "is abstract; it needs to be a concrete class";
        if (type.ContainsGenericParameters) return "is an open generic type";
        if (!type.IsValueType && type.GetConstructor(Type.EmptyTypes) is null) return "needs a public parameterless constructor";
        return null;
    }

    private static ModuleMapException At(string file, YamlNode node, string problem)
    {
        int line = (int)node.Start.Line;
        return new ModuleMapException($"{file}:{line}: {problem}") { File = file, Line = line };
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    private sealed record Entry(Func<IModelDefinition> Create, Type Type, string Origin);
}
