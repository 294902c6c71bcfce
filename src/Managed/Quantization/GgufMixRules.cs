using System.Globalization;
using System.Text.RegularExpressions;
using NativeInfer.Gguf;

namespace NativeInfer.Quantization;

/// <summary>
/// The per-tensor type rules of llama.cpp's Q4_K_M and Q5_K_M mixes (its <c>llama_tensor_get_type</c>,
/// followed for these two file types, without an importance matrix and for every architecture but
/// Falcon's special cases):
/// <list type="bullet">
/// <item><c>output.weight</c> (or <c>token_embd.weight</c> when the model has no output tensor): Q6_K.</item>
/// <item><c>attn_v.weight</c>: Q6_K where <see cref="UseMoreBits"/> holds for its rank among the attention
/// value tensors; Q8_0 for models with 8 experts.</item>
/// <item><c>attn_k.weight</c>: Q8_0 for models with 8 experts.</item>
/// <item>every <c>ffn_down</c> tensor (dense, routed and shared experts): Q6_K in layers where
/// <see cref="UseMoreBits"/> holds.</item>
/// <item><c>attn_output.weight</c>: Q5_K for Q4_K_M models with 8 experts.</item>
/// <item><c>attn_qkv.weight</c>: Q5_K (Q4_K_M) or Q6_K (Q5_K_M).</item>
/// <item>everything else: the base type (Q4_K or Q5_K).</item>
/// </list>
/// Tensors llama.cpp never quantizes stay as they are: names not ending in "weight", 1-D tensors,
/// <c>*_norm.weight</c> and the MoE router <c>ffn_gate_inp.weight</c>. Ranks and layers follow llama.cpp's
/// order of tensors (by layer, then name); the layer count is <c>{arch}.block_count</c>, the expert count
/// <c>{arch}.expert_count</c>.
/// </summary>
public sealed class GgufMixRules
{
    private static readonly Regex LayerPattern = new(@"^blk\.(\d+)\.", RegexOptions.CultureInvariant);

    private readonly GgufQuantizeMix _mix;
    private readonly int _layers, _experts;
    private readonly bool _hasOutput;
    private readonly Dictionary<string, int> _valueRank = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _downRank = new(StringComparer.Ordinal);
    private readonly int _valueTensors;

    public GgufMixRules(GgufFile file, GgufQuantizeMix mix)
    {
        if (mix == GgufQuantizeMix.None) throw new ArgumentException("a mix is needed", nameof(mix));
        _mix = mix;
        string arch = file.Metadata.TryGetString("general.architecture", out string a) ? a : "";
        _layers = file.Metadata.TryGetInteger($"{arch}.block_count", out long layers) ? (int)Math.Clamp(layers, 0, int.MaxValue) : 0;
        _experts = file.Metadata.TryGetInteger($"{arch}.expert_count", out long experts) ? (int)Math.Clamp(experts, 0, int.MaxValue) : 0;
        _hasOutput = file.Tensors.Any(t => t.Name == "output.weight");
        int value = 0, down = 0;
        foreach (string name in file.Tensors.Select(t => t.Name).OrderBy(LayerOf).ThenBy(n => n, StringComparer.Ordinal))
        {
            if (name.Contains("attn_v.weight", StringComparison.Ordinal)) _valueRank[name] = value++;
            if (name.Contains("ffn_down", StringComparison.Ordinal)) _downRank[name] = down++;
        }
        _valueTensors = file.Tensors.Count(t => t.Name.Contains("attn_v.weight", StringComparison.Ordinal)
                                                || t.Name.Contains("attn_qkv.weight", StringComparison.Ordinal)
                                                || t.Name.Contains("attn_kv_b.weight", StringComparison.Ordinal));
    }

    /// <summary>The base type of the mix: what a tensor gets when no rule names it.</summary>
    public GgmlType BaseType => _mix == GgufQuantizeMix.Q4_K_M ? GgmlType.Q4_K : GgmlType.Q5_K;

    /// <summary>Whether llama.cpp would quantize the tensor at all (before any type rule).</summary>
    public static bool IsQuantized(GgufTensor t) =>
        t.Name.EndsWith("weight", StringComparison.Ordinal) && t.DimensionCount >= 2
        && !t.Name.Contains("_norm.weight", StringComparison.Ordinal) && !t.Name.Contains("ffn_gate_inp.weight", StringComparison.Ordinal);

    /// <summary>The type the mix gives a tensor, before the block-size fallback.</summary>
    public GgmlType TypeFor(GgufTensor t)
    {
        string name = t.Name;
        if (name == "output.weight" || (!_hasOutput && name == "token_embd.weight"))
            return t.Ne(0) % GgmlType.Q6_K.BlockSize() != 0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
        if (name == "token_embd.weight") return BaseType;
        if (name.Contains("attn_v.weight", StringComparison.Ordinal))
        {
            if (_experts == 8) return GgmlType.Q8_0;
            return UseMoreBits(_valueRank.GetValueOrDefault(name), _valueTensors) ? GgmlType.Q6_K : BaseType;
        }
        if (name.Contains("attn_k.weight", StringComparison.Ordinal)) return _experts == 8 ? GgmlType.Q8_0 : BaseType;
        if (name.Contains("ffn_down", StringComparison.Ordinal))
        {
            // With experts the layer comes from the name (llama.cpp: experts are not consecutive in some files).
            int layer = _experts > 1 ? LayerOf(name) : _downRank.GetValueOrDefault(name);
            return layer >= 0 && UseMoreBits(layer, _layers) ? GgmlType.Q6_K : BaseType;
        }
        if (name.Contains("attn_output.weight", StringComparison.Ordinal))
            return _experts == 8 && _mix == GgufQuantizeMix.Q4_K_M ? GgmlType.Q5_K : BaseType;
        if (name.Contains("attn_qkv.weight", StringComparison.Ordinal))
            return _mix == GgufQuantizeMix.Q4_K_M ? GgmlType.Q5_K : GgmlType.Q6_K;
        return BaseType;
    }

    /// <summary>llama.cpp's choice of layers that get more bits: the first and last eighth, and every third in between.</summary>
    public static bool UseMoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;

    private static int LayerOf(string name)
    {
        Match m = LayerPattern.Match(name);
        return m.Success && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int layer) ? layer : -1;
    }
}
