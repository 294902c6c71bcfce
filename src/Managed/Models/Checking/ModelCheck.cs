using NativeInfer.Config;
using NativeInfer.Config.Builders;
using NativeInfer.Formats;
using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Models.Modules;

namespace NativeInfer.Models.Checking;

/// <summary>
/// `nativeinfer check` as a library (the analog of lmdeploy's check_model): builds the config, resolves
/// the definition, builds its module tree and compares every tensor it expects (honouring alternative
/// layouts and optional tensors) with the file's — missing, wrong shape, a type no kernel accepts,
/// unexpected — and adds up parameters, bytes per type and the bytes one decode step reads.
/// Configuration problems (no builder, unknown architecture, malformed metadata) throw; tensor problems
/// are in the report.
/// </summary>
public static class ModelCheck
{
    /// <summary>Weight types the native matmul / MoE kernels accept (ggml names), as the native table lists them.</summary>
    public static IReadOnlyList<string> KernelTypes => QuantTypes.WeightTypes.Select(t => ((GgmlType)(int)t).ToString()).ToArray();

    /// <summary>1-D tensors (norm weights, biases) are read as plain vectors, not through the block kernels.</summary>
    public static IReadOnlyList<string> VectorTypes { get; } = [nameof(GgmlType.F32), nameof(GgmlType.F16), nameof(GgmlType.BF16)];

    /// <summary>Checks a GGUF file, a directory holding config.json (+ safetensors), or a config.json path.</summary>
    public static ModelCheckReport Run(string path, ModelCheckOptions? options = null)
    {
        options ??= new ModelCheckOptions();
        if (Directory.Exists(path))
        {
            string config = Path.Combine(path, "config.json");
            if (!File.Exists(config)) throw new FileNotFoundException($"{path} has no config.json (a model directory needs one)", config);
            return CheckHuggingFace(config, options);
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file or directory", path);
        FileNode.RequireRegular(path, "a model is a GGUF file, a config.json or a model directory");
        if (IsGguf(path)) return CheckGguf(path, options);
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return CheckHuggingFace(path, options, architectureOnly: true);
        throw new ModelConfigException($"{path}: not a GGUF file (no GGUF magic), a config.json or a model directory");
    }

    // ------------------------------------------------------------------ GGUF

    public static ModelCheckReport CheckGguf(string path, ModelCheckOptions options)
    {
        using GgufFile file = GgufFile.Open(path);
        HuggingFaceConfig? companion = options.CompanionConfig is null ? null : HuggingFaceConfig.Load(ConfigFile(options.CompanionConfig));
        ModelSource source = ModelSource.FromGguf(file);
        if (companion is not null) source = source.WithCompanion(companion);
        var inventory = file.Tensors.ToDictionary(
            t => t.Name, t => new PresentTensor(t.Name, t.Type.ToString(), t.Dimensions.ToArray(), t.ElementCount, t.ByteSize), StringComparer.Ordinal);

        ModelConfigBuilders builders = options.Builders ?? new ModelConfigBuilders();
        ModuleMap map = options.ModuleMap ?? new ModuleMap();
        ModelConfig config = builders.Build(source, out IModelConfigBuilder builder);
        IModelDefinition definition = map.Resolve(source.Architecture);
        CausalLM tree = definition.BuildModuleTree(config);
        List<TensorCheck> checks = ExpectedGguf(TensorCoverage.Of(tree, inventory.Keys), inventory);
        ConfigCrossCheck? cross = companion is null ? null : CrossCheck(config, source.Architecture, companion, builders, map);
        string? noWeights = inventory.Count == 0 ? $"{Path.GetFileName(path)} has no tensors (a vocabulary-only file?)" : null;
        var scan = Scan(file, options);
        return Assemble(path, ModelFormat.Gguf, source.Architecture, builder, config, definition, tree, checks, inventory, cross, options, noWeights, scan);
    }

    private static List<TensorCheck> ExpectedGguf(TensorCoverage coverage, Dictionary<string, PresentTensor> inventory) =>
        coverage.Chosen.Select(c =>
        {
            var expected = new ExpectedTensor(c.Spec.GgufName, c.Module.Path, c.Module.ClassName, c.Spec.Role, c.Spec.Ne, DecodeTraffic.CategoryOf(c.Module), c.Spec.Optional)
                { AllowedTypes = c.Spec.AllowedTypes };
            return Compare(expected, inventory.GetValueOrDefault(c.Spec.GgufName), c.OtherLayouts);
        }).ToList();

    // ------------------------------------------------------------------ Hugging Face

    /// <summary>
    /// A config.json and the checkpoint beside it. With <paramref name="architectureOnly"/> and no checkpoint,
    /// the report is the architecture's: every expected tensor counted as present in the config's
    /// torch_dtype (parameters, active parameters, decode bytes), and it passes — what `check config.json`
    /// tells about a model before it is downloaded. A model directory without weights fails.
    /// </summary>
    public static ModelCheckReport CheckHuggingFace(string configPath, ModelCheckOptions options, bool architectureOnly = false)
    {
        if (options.CompanionConfig is not null)
            throw new ArgumentException("a companion config.json is for GGUF models; this model is a config.json already");
        HuggingFaceConfig hf = HuggingFaceConfig.Load(configPath);
        string directory = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        using SafetensorsCheckpoint? checkpoint = OpenCheckpoint(directory, out string? noWeights);
        var inventory = new Dictionary<string, PresentTensor>(StringComparer.Ordinal);
        foreach (SafetensorsTensor t in checkpoint?.Tensors ?? [])
        {
            // safetensors shapes are outermost-first; ggml order is the reverse.
            long[] ne = t.Shape.ToArray();
            Array.Reverse(ne);
            inventory[t.Name] = new PresentTensor(t.Name, t.DType.HeaderName(), ne, t.ElementCount, t.ByteSize);
        }
        ModelSource source = checkpoint is null
            ? ModelSource.FromConfig(hf, null, configPath)
            : ModelSource.FromCheckpoint(hf, inventory.Values.Select(t => (t.Name, (IReadOnlyList<long>)t.Ne)).ToList(), configPath);
        ModelConfigBuilders builders = options.Builders ?? new ModelConfigBuilders();
        ModuleMap map = options.ModuleMap ?? new ModuleMap();
        ModelConfig config = builders.Build(source, out IModelConfigBuilder builder);
        IModelDefinition definition = map.Resolve(source.Architecture);
        CausalLM tree = definition.BuildModuleTree(config);
        string? assumedType = null;
        if (checkpoint is null && architectureOnly)
        {
            assumedType = StorageTypeOf(hf);
            int bytes = SafetensorsDTypes.TryParse(assumedType, out SafetensorsDType dtype) ? dtype.ElementBytes() : 2;
            foreach (TensorCheck expected in ExpectedHuggingFace(tree, inventory))
            {
                ExpectedTensor e = expected.Expected;
                long elements = e.Ne.Aggregate(1L, (a, b) => a * b);
                inventory[e.Name] = new PresentTensor(e.Name, assumedType, e.Ne, elements, elements * bytes);
            }
            noWeights = null;
        }
        List<TensorCheck> checks = ExpectedHuggingFace(tree, inventory);
        var scan = Scan(checkpoint, options);
        return Assemble(directory, ModelFormat.HuggingFace, source.Architecture, builder, config, definition, tree, checks, inventory, null, options, noWeights, scan)
            with { AssumedStorageType = assumedType };
    }

    /// <summary>The safetensors dtype of a config's torch_dtype ("bfloat16" → BF16); BF16 when it names none the checker knows.</summary>
    private static string StorageTypeOf(HuggingFaceConfig config)
    {
        string? dtype = config.TryGetString("torch_dtype", out string d) ? d : config.TryGetString("dtype", out string d2) ? d2 : null;
        return dtype switch { "float32" => "F32", "float16" => "F16", _ => "BF16" };
    }

    /// <summary>model.safetensors.index.json, model.safetensors, or the directory's only .safetensors file.</summary>
    private static SafetensorsCheckpoint? OpenCheckpoint(string directory, out string? noWeights)
    {
        noWeights = null;
        if (File.Exists(Path.Combine(directory, SafetensorsCheckpoint.IndexFileName)) || File.Exists(Path.Combine(directory, SafetensorsCheckpoint.SingleFileName)))
            return SafetensorsCheckpoint.Open(directory);
        string[] files = Directory.GetFiles(directory, "*.safetensors");
        if (files.Length == 1) return SafetensorsCheckpoint.Open(files[0]);
        noWeights = files.Length == 0
            ? $"{directory} has no safetensors checkpoint ({SafetensorsCheckpoint.SingleFileName} or {SafetensorsCheckpoint.IndexFileName})"
            : $"{directory} has {files.Length} .safetensors files but no {SafetensorsCheckpoint.IndexFileName} saying how they form one checkpoint";
        return null;
    }

    /// <summary>
    /// HF names are the module path + "." + role. Routed experts are stored one module per expert:
    /// <c>{experts}.{e}.gate_proj/up_proj/down_proj.weight</c> (Mixtral: w1/w3/w2), each ggml ne = the
    /// stacked spec's first two dims. Alternative layouts are GGUF-only.
    /// </summary>
    private static List<TensorCheck> ExpectedHuggingFace(CausalLM tree, Dictionary<string, PresentTensor> inventory)
    {
        var checks = new List<TensorCheck>();
        foreach (Module m in tree.Descendants())
        {
            WeightCategory category = DecodeTraffic.CategoryOf(m);
            if (m is Experts experts)
            {
                bool mixtralNames = inventory.ContainsKey($"{m.Path}.0.w1.weight");
                foreach (TensorSpec spec in m.Weights)
                {
                    string projection = (spec.Role, mixtralNames) switch
                    {
                        ("gate", false) => "gate_proj", ("up", false) => "up_proj", ("down", false) => "down_proj",
                        ("gate", true) => "w1", ("up", true) => "w3", ("down", true) => "w2",
                        _ => spec.Role,
                    };
                    for (int e = 0; e < experts.NumExperts; e++)
                    {
                        string name = $"{m.Path}.{e}.{projection}.weight";
                        var expected = new ExpectedTensor(name, m.Path, m.ClassName, spec.Role, spec.Ne[..2], category, spec.Optional)
                            { AllowedTypes = spec.AllowedTypes, ExpertSlices = experts.NumExperts };
                        checks.Add(Compare(expected, inventory.GetValueOrDefault(name), null));
                    }
                }
                continue;
            }
            foreach (TensorSpec spec in m.Weights)
            {
                string name = $"{m.Path}.{spec.Role}";
                var expected = new ExpectedTensor(name, m.Path, m.ClassName, spec.Role, spec.Ne, category, spec.Optional) { AllowedTypes = spec.AllowedTypes };
                checks.Add(Compare(expected, inventory.GetValueOrDefault(name), null));
            }
        }
        return checks;
    }

    // ------------------------------------------------------------------ comparison

    private static TensorCheck Compare(ExpectedTensor expected, PresentTensor? actual, string? otherLayouts)
    {
        if (actual is null)
            return new TensorCheck(expected, null, expected.Optional ? TensorStatus.OptionalAbsent : TensorStatus.Missing, otherLayouts);
        // ggml drops trailing 1s (a [64, 1] gate is stored as [64]): compare without them.
        if (!Trim(expected.Ne).SequenceEqual(Trim(actual.Ne)))
            return new TensorCheck(expected, actual, TensorStatus.WrongShape, null);
        IReadOnlyList<string> allowed = expected.AllowedTypes.Count > 0
            ? expected.AllowedTypes.Select(t => t.ToString()).ToArray()
            : Trim(expected.Ne).Length <= 1 ? VectorTypes : KernelTypes;
        if (!allowed.Contains(actual.TypeName))
        {
            string why = expected.AllowedTypes.Count > 0 ? "is not allowed here"
                : Trim(expected.Ne).Length <= 1 ? "cannot hold a 1-D tensor (norm weight or bias)" : "is not one the kernels accept";
            return new TensorCheck(expected, actual, TensorStatus.WrongType, $"{why} ({string.Join(", ", allowed)})");
        }
        return new TensorCheck(expected, actual, TensorStatus.Ok, null);
    }

    private static long[] Trim(long[] ne)
    {
        int n = ne.Length;
        while (n > 1 && ne[n - 1] == 1) n--;
        return ne[..n];
    }

    // ------------------------------------------------------------------ NaN and infinity

    /// <summary>Scans 1-D float tensors (all float tensors with ScanAllWeights) for NaN and infinity.</summary>
    private static unsafe (List<NonFiniteTensor> Found, int Scanned) Scan(GgufFile file, ModelCheckOptions options)
    {
        var scan = (Found: new List<NonFiniteTensor>(), Scanned: 0);
        foreach (GgufTensor t in file.Tensors)
            ScanOne(t.Name, t.Type.ToString(), t.Dimensions, t.ElementCount, t.Pointer, options, ref scan);
        return scan;
    }

    private static unsafe (List<NonFiniteTensor> Found, int Scanned) Scan(SafetensorsCheckpoint? checkpoint, ModelCheckOptions options)
    {
        var scan = (Found: new List<NonFiniteTensor>(), Scanned: 0);
        foreach (SafetensorsTensor t in checkpoint?.Tensors ?? [])
            ScanOne(t.Name, t.DType.HeaderName(), t.Shape, t.ElementCount, t.Pointer, options, ref scan);
        return scan;
    }

    private static unsafe void ScanOne(string name, string type, ReadOnlySpan<long> shape, long elements, void* data, ModelCheckOptions options,
                                       ref (List<NonFiniteTensor> Found, int Scanned) scan)
    {
        int dims = 0;
        foreach (long d in shape) if (d > 1) dims++;
        if (!WeightScan.Scans(type) || (!options.ScanAllWeights && dims > 1)) return;
        scan.Scanned++;
        long index = WeightScan.FirstNonFinite(type, data, elements);
        if (index >= 0) scan.Found.Add(new NonFiniteTensor(name, type, index));
    }

    // ------------------------------------------------------------------ totals and the report

    private static ModelCheckReport Assemble(
        string model, ModelFormat format, string architecture, IModelConfigBuilder builder, ModelConfig config, IModelDefinition definition,
        CausalLM tree, List<TensorCheck> checks, Dictionary<string, PresentTensor> inventory, ConfigCrossCheck? cross,
        ModelCheckOptions options, string? noWeights, (List<NonFiniteTensor> Found, int Scanned) scan)
    {
        var used = new HashSet<string>(checks.Where(c => c.Actual is not null).Select(c => c.Actual!.Name), StringComparer.Ordinal);
        var unused = inventory.Values.Where(t => !used.Contains(t.Name)).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var ignored = unused.Where(t => tree.WhyIgnored(t.Name) is not null).Select(t => new IgnoredPresentTensor(t, tree.WhyIgnored(t.Name)!)).ToList();
        var unexpected = unused.Where(t => tree.WhyIgnored(t.Name) is null).ToList();
        var byType = inventory.Values.GroupBy(t => t.TypeName)
            .Select(g => new WeightTypeUsage(g.Key, g.Count(), g.Sum(t => t.Elements), g.Sum(t => t.Bytes)))
            .OrderByDescending(u => u.Bytes).ToList();
        return new ModelCheckReport
        {
            Model = model,
            Format = format,
            Architecture = architecture,
            BuilderName = builder.Name,
            Config = config,
            DefinitionType = definition.GetType(),
            ModelClass = tree.ClassName,
            Tensors = checks,
            Unexpected = unexpected,
            Ignored = ignored,
            PresentCount = inventory.Count,
            ParameterCount = checks.Where(c => c.Actual is not null).Sum(c => c.Actual!.Elements),
            UnexpectedParameterCount = unexpected.Sum(t => t.Elements),
            ByType = byType,
            Decode = Traffic(checks, config),
            CrossCheck = cross,
            NonFinite = scan.Found,
            ScannedTensors = scan.Scanned,
            FailureReason = Failure(checks, unexpected, cross, noWeights, tree.ClassName, scan.Found),
        };
    }

    /// <summary>
    /// Bytes one token reads of every present expected tensor (<see cref="DecodeTraffic.PerToken"/>); tied
    /// embeddings add the whole table under the head.
    /// </summary>
    private static DecodeTraffic Traffic(List<TensorCheck> checks, ModelConfig config)
    {
        var bytes = Enum.GetValues<WeightCategory>().ToDictionary(c => c, _ => 0.0);
        var parameters = Enum.GetValues<WeightCategory>().ToDictionary(c => c, _ => 0.0);
        foreach (TensorCheck c in checks)
        {
            if (c.Actual is not PresentTensor t) continue;
            WeightCategory category = c.Expected.Category;
            bytes[category] += DecodeTraffic.PerToken(category, t.Bytes, t.RowBytes, config);
            parameters[category] += DecodeTraffic.PerToken(category, t.Elements, t.Ne[0], config);
            // The tied head owns no tensor of its own: it reads the whole embedding table.
            if (category == WeightCategory.Embedding && config.TiedEmbeddings)
            {
                bytes[WeightCategory.LmHead] += DecodeTraffic.PerToken(WeightCategory.LmHead, t.Bytes, t.RowBytes, config);
                parameters[WeightCategory.LmHead] += DecodeTraffic.PerToken(WeightCategory.LmHead, t.Elements, t.Ne[0], config);
            }
        }
        return new DecodeTraffic(
            bytes.Where(p => p.Value > 0).ToDictionary(p => p.Key, p => (long)Math.Round(p.Value)),
            parameters.Where(p => p.Value > 0).ToDictionary(p => p.Key, p => (long)Math.Round(p.Value)));
    }

    private static string? Failure(
        List<TensorCheck> checks, List<PresentTensor> unexpected, ConfigCrossCheck? cross, string? noWeights, string modelClass,
        List<NonFiniteTensor> nonFinite)
    {
        int expected = checks.Count(c => c.Status != TensorStatus.OptionalAbsent);
        if (noWeights is not null) return $"{noWeights}; the {modelClass} model expects {expected} tensors";
        var problems = checks.Where(c => c.IsProblem).ToList();
        if (problems.Count > 0)
            return problems[0].Describe() + (problems.Count > 1 ? $" (and {problems.Count - 1} more tensor problem(s))" : "");
        if (nonFinite.Count > 0)
            return $"{nonFinite[0].Name}: {nonFinite[0].TypeName} value {nonFinite[0].Index} is NaN or infinite"
                   + (nonFinite.Count > 1 ? $" (and {nonFinite.Count - 1} more tensor(s) with non-finite values)" : "");
        // A file is understood completely or refused: a tensor no module uses would be left out of the math.
        if (unexpected.Count > 0)
            return $"unexpected tensor {unexpected[0].Name} {unexpected[0].TypeName} {unexpected[0].ShapeText}"
                   + (unexpected.Count > 1 ? $" (and {unexpected.Count - 1} more)" : "")
                   + $": no module of {modelClass} uses it, so the file cannot be run as it was meant";
        if (cross is { Agrees: false })
        {
            var d = cross.Disagreements[0];
            return $"GGUF and {Path.GetFileName(cross.ConfigPath)} disagree on {d.Field} ({ModelConfigFields.Format(d.Gguf)} vs {ModelConfigFields.Format(d.ConfigJson)})"
                   + (cross.Disagreements.Count > 1 ? $" and {cross.Disagreements.Count - 1} more field(s)" : "");
        }
        return null;
    }

    // ------------------------------------------------------------------ cross-check

    private static ConfigCrossCheck CrossCheck(ModelConfig gguf, string ggufArchitecture, HuggingFaceConfig companion, ModelConfigBuilders builders, ModuleMap map)
    {
        ModelSource source = ModelSource.FromConfig(companion);
        ModelConfig other = builders.Build(source, out IModelConfigBuilder builder);
        var differences = ModelConfigFields.Differences(gguf, other, ConfigCrossCheck.IgnoredFields).ToList();
        Type? a = map.DefinitionTypeOf(ggufArchitecture), b = map.DefinitionTypeOf(source.Architecture);
        if (a != b) differences.Insert(0, ("Definition", a?.Name ?? $"none for {ggufArchitecture}", b?.Name ?? $"none for {source.Architecture}"));
        return new ConfigCrossCheck(companion.Source, builder.Name, other, differences);
    }

    private static string ConfigFile(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, "config.json") : path;
        return File.Exists(file) ? file : throw new FileNotFoundException($"{file}: no such file (the config.json to cross-check against)", file);
    }

    private static bool IsGguf(string path)
    {
        if (path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) return true;
        using FileStream f = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return f.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("GGUF"u8);
    }
}
