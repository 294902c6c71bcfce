using System.Text.Json;

namespace NativeInfer.Formats;

/// <summary>
/// A Hugging Face <c>config.json</c>, or a nested object of one (<c>rope_scaling</c>), with typed getters.
/// <para>A key whose value is JSON <c>null</c> counts as absent (<c>"q_lora_rank": null</c>).
/// <c>TryGet…</c> returns false for an absent key and throws <see cref="HuggingFaceConfigException"/>
/// for a present value of another type; <c>Get…</c> throws for both. Errors name the file, the key
/// path and the expected and actual JSON types.</para>
/// </summary>
public sealed class HuggingFaceConfig
{
    private readonly JsonElement _root;
    private readonly string _prefix;

    private HuggingFaceConfig(JsonElement root, string source, string prefix)
    {
        _root = root;
        Source = source;
        _prefix = prefix;
    }

    /// <summary>Reads and parses a config.json.</summary>
    public static HuggingFaceConfig Load(string path)
    {
        string full = Path.GetFullPath(path);
        return Parse(File.ReadAllText(full), full);
    }

    /// <summary>Parses config JSON text; <paramref name="source"/> names it in errors.</summary>
    public static HuggingFaceConfig Parse(string json, string source = "config.json")
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new HuggingFaceConfigException(source, $"the top level is {Describe(document.RootElement.ValueKind)}, expected an object");
            return new HuggingFaceConfig(document.RootElement.Clone(), source, "");
        }
        catch (JsonException e)
        {
            int line = (int)(e.LineNumber ?? 0) + 1, column = (int)(e.BytePositionInLine ?? 0) + 1;
            throw new HuggingFaceConfigException(source, $"malformed JSON at line {line}, position {column}: {e.Message}", null, line, column, e);
        }
    }

    /// <summary>The file (or name) this config came from.</summary>
    public string Source { get; }

    /// <summary>Where this object sits in the file ("" for the top level, "rope_scaling" for a nested one).</summary>
    public string KeyPath => _prefix;

    /// <summary>"architectures" (e.g. ["DeepseekV2ForCausalLM"]); empty when absent.</summary>
    public string[] Architectures => TryGetStringArray("architectures", out string[] a) ? a : [];

    /// <summary>"model_type" (e.g. "deepseek_v2"), or null when absent.</summary>
    public string? ModelType => TryGetString("model_type", out string t) ? t : null;

    /// <summary>Keys of this object in file order (including those whose value is null).</summary>
    public IEnumerable<string> Keys => _root.EnumerateObject().Select(p => p.Name).ToList();

    /// <summary>True when the key is present with a non-null value.</summary>
    public bool Contains(string key) => TryFind(key, out _);

    // ------------------------------------------------------------------ scalars

    public int GetInt(string key) => TryGetInt(key, out int v) ? v : throw Missing(key, "an integer");

    public bool TryGetInt(string key, out int value)
    {
        bool found = TryGetInt64(key, out long wide);
        if (found && wide is < int.MinValue or > int.MaxValue) throw WrongType(key, "an integer that fits in 32 bits", wide.ToString());
        value = (int)wide;
        return found;
    }

    public long GetInt64(string key) => TryGetInt64(key, out long v) ? v : throw Missing(key, "an integer");

    /// <summary>An integer; accepts integral numbers written with a fraction or exponent (2048.0, 1e3).</summary>
    public bool TryGetInt64(string key, out long value)
    {
        value = 0;
        if (!TryFind(key, out JsonElement e)) return false;
        if (e.ValueKind != JsonValueKind.Number) throw WrongType(key, "an integer", Describe(e));
        if (e.TryGetInt64(out value)) return true;
        double d = e.GetDouble();
        if (Math.Floor(d) != d || d < long.MinValue || d >= 9.2233720368547758E18) throw WrongType(key, "an integer", $"the number {e.GetRawText()}");
        value = (long)d;
        return true;
    }

    public double GetDouble(string key) => TryGetDouble(key, out double v) ? v : throw Missing(key, "a number");

    public bool TryGetDouble(string key, out double value)
    {
        value = 0;
        if (!TryFind(key, out JsonElement e)) return false;
        if (e.ValueKind != JsonValueKind.Number) throw WrongType(key, "a number", Describe(e));
        value = e.GetDouble();
        return true;
    }

    public bool GetBool(string key) => TryGetBool(key, out bool v) ? v : throw Missing(key, "a boolean");

    public bool TryGetBool(string key, out bool value)
    {
        value = false;
        if (!TryFind(key, out JsonElement e)) return false;
        if (e.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw WrongType(key, "a boolean", Describe(e));
        value = e.GetBoolean();
        return true;
    }

    public string GetString(string key) => TryGetString(key, out string v) ? v : throw Missing(key, "a string");

    public bool TryGetString(string key, out string value)
    {
        value = "";
        if (!TryFind(key, out JsonElement e)) return false;
        if (e.ValueKind != JsonValueKind.String) throw WrongType(key, "a string", Describe(e));
        value = e.GetString()!;
        return true;
    }

    // ------------------------------------------------------------------ nested objects and arrays

    /// <summary>A nested object ("rope_scaling"); its errors name the full key path.</summary>
    public HuggingFaceConfig GetObject(string key) => TryGetObject(key, out HuggingFaceConfig? o) ? o : throw Missing(key, "an object");

    public bool TryGetObject(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HuggingFaceConfig? value)
    {
        value = null;
        if (!TryFind(key, out JsonElement e)) return false;
        if (e.ValueKind != JsonValueKind.Object) throw WrongType(key, "an object", Describe(e));
        value = new HuggingFaceConfig(e, Source, Qualify(key));
        return true;
    }

    public int[] GetIntArray(string key) => TryGetIntArray(key, out int[] v) ? v : throw Missing(key, "an array of integers");

    public bool TryGetIntArray(string key, out int[] value)
    {
        value = [];
        if (!TryFind(key, out JsonElement e)) return false;
        if (e.ValueKind != JsonValueKind.Array) throw WrongType(key, "an array of integers", Describe(e));
        var list = new List<int>();
        foreach (JsonElement item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int i))
                throw WrongType(key, "an array of integers", $"an array holding {item.GetRawText()}");
            list.Add(i);
        }
        value = list.ToArray();
        return true;
    }

    /// <summary>
    /// Integers given either as one number or as an array ("eos_token_id": 2 or [1, 2]), as configs do both.
    /// </summary>
    public bool TryGetIntOrIntArray(string key, out int[] value)
    {
        value = [];
        if (!TryFind(key, out JsonElement e)) return false;
        if (e.ValueKind == JsonValueKind.Array) return TryGetIntArray(key, out value);
        value = [GetInt(key)];
        return true;
    }

    public string[] GetStringArray(string key) => TryGetStringArray(key, out string[] v) ? v : throw Missing(key, "an array of strings");

    public bool TryGetStringArray(string key, out string[] value)
    {
        value = [];
        if (!TryFind(key, out JsonElement e)) return false;
        if (e.ValueKind != JsonValueKind.Array) throw WrongType(key, "an array of strings", Describe(e));
        var list = new List<string>();
        foreach (JsonElement item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) throw WrongType(key, "an array of strings", $"an array holding {item.GetRawText()}");
            list.Add(item.GetString()!);
        }
        value = list.ToArray();
        return true;
    }

    /// <summary>The raw JSON value for anything the typed getters do not cover (false when absent or null).</summary>
    public bool TryGetElement(string key, out JsonElement value) => TryFind(key, out value);

    // ------------------------------------------------------------------ helpers

    private bool TryFind(string key, out JsonElement value)
    {
        if (_root.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null) return true;
        value = default;
        return false;
    }

    private string Qualify(string key) => _prefix.Length == 0 ? key : $"{_prefix}.{key}";

    private HuggingFaceConfigException Missing(string key, string expected) =>
        new(Source, $"key '{Qualify(key)}' is missing or null (expected {expected})", Qualify(key));

    private HuggingFaceConfigException WrongType(string key, string expected, string actual) =>
        new(Source, $"key '{Qualify(key)}' is {actual}, expected {expected}", Qualify(key));

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{e.GetString()}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {e.GetRawText()}",
        _ => Describe(e.ValueKind),
    };

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
