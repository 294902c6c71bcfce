using BenchmarkDotNet.Attributes;
using NativeInfer.Bench.Support;
using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Native;
using NativeInfer.Quantization;

namespace NativeInfer.Bench.Kernels;

/// <summary>One MoE case: expert weight type, tokens, instruction set.</summary>
public sealed record MoeCase(NiType Type, int Tokens, NiIsa Isa, int Ffn = 1408) : IBenchCase
{
    /// <summary>
    /// The down projection's type: where the expert width is not a whole number of the type's blocks
    /// (1408 for 256-value super-blocks), down is stored as llama.cpp's quantizer would (its fallback
    /// for the type, GgufQuantizer.Fallback).
    /// </summary>
    public NiType DownType => Ffn % QuantTypes.BlockSize(Type) != 0 && GgufQuantizer.Fallback((GgmlType)(int)Type) is { } f ? (NiType)(int)f : Type;

    public override string ToString() =>
        $"{QuantTypes.Name(Type)}{(DownType != Type ? $" (down {QuantTypes.Name(DownType)})" : "")} 64×2048→{Ffn} top-6 N={Tokens} {CpuInfo.IsaName(Isa)}";

    public string? Related(string relation) => relation switch
    {
        "moe" => ToString(),
        "isa" when Isa != NiIsa.Avx2 => (this with { Isa = NiIsa.Avx2 }).ToString(),
        _ => null,
    };
}

/// <summary>
/// ni_moe_experts on a DeepSeek-V2-Lite layer (64 experts of 2048→1408→2048, top-6; 2048→1536→2048 for
/// the i-quants, whose rows are whole 256-value blocks) at N = 1 and N = 128 (Q4_0, Q8_0; the other
/// block-quantized weight types at N = 1), against the same expert products issued as separate ni_matmul calls (three per
/// token-expert pair at N = 1; for N = 128 one matmul per expert and projection over the tokens that
/// chose it, i.e. the grouping done by hand). Routing is spread evenly and the same for both methods;
/// at N = 1 each call picks the next 6 experts in turn, so an expert is read again only after the
/// other 58 (a whole stack, 311 MB in Q4_0, far past the last-level cache): its weights come from DRAM.
/// </summary>
[Config(typeof(KernelBenchConfig))]
public unsafe class MoeBench
{
    private const int Experts = 64, Hidden = 2048, TopK = 6;

    private int Ffn => Case.Ffn;

    public static IEnumerable<MoeCase> Cases()
    {
        var isas = new List<NiIsa> { NiIsa.Avx2 };
        NiIsa best = CpuInfo.Query().BestIsa;
        if (best > NiIsa.Avx2) isas.Add(best);
        foreach (NiIsa isa in isas)
        {
            foreach (NiType type in new[] { NiType.Q4_0, NiType.Q8_0 })
            foreach (int tokens in new[] { 1, 128 })
                yield return new MoeCase(type, tokens, isa);
            // Decode in every other block-quantized weight type of the native table; the i-quants need
            // rows of whole 256-value blocks: experts of 1536 (DeepSeek-V2-Lite's 1408 is 5.5 blocks).
            foreach (NiType type in FormatBench.Types().Where(t => t is not (NiType.Q4_0 or NiType.Q8_0) && !MatMulBench.IQuants.Contains(t)))
                yield return new MoeCase(type, 1, isa);
            foreach (NiType type in MatMulBench.IQuants)
                yield return new MoeCase(type, 1, isa, Ffn: 1536);
        }
    }

    [ParamsSource(nameof(Cases))]
    public MoeCase Case { get; set; } = null!;

    private KernelPool _pool = null!;
    private BenchWeights _gate = null!, _up = null!, _down = null!;
    private NativeBuffer _x = null!, _out = null!, _scratchG = null!, _scratchU = null!, _scratchY = null!, _xGathered = null!;
    private int[] _ids = null!;
    private float[] _weights = null!;
    private int _call;

    [GlobalSetup]
    public void Setup()
    {
        _pool = KernelPool.Create(0, Case.Isa);
        bool decode = Case.Tokens == 1;
        _gate = new BenchWeights(_pool, Case.Type, (long)Experts * Ffn, Hidden, 0, seed: 1);
        _up = new BenchWeights(_pool, Case.Type, (long)Experts * Ffn, Hidden, 0, seed: 2);
        _down = new BenchWeights(_pool, Case.DownType, (long)Experts * Hidden, Ffn, 0, seed: 3);
        int tokens = Case.Tokens;
        _x = new NativeBuffer(tokens * Hidden * 4);
        _out = new NativeBuffer(tokens * Hidden * 4);
        _xGathered = new NativeBuffer(tokens * Hidden * 4);
        _scratchG = new NativeBuffer(tokens * Ffn * 4);
        _scratchU = new NativeBuffer(tokens * Ffn * 4);
        _scratchY = new NativeBuffer(tokens * Hidden * 4);
        var random = new Random(5);
        Span<float> x = _x.AsSpan<float>();
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        _ids = new int[tokens * TopK];
        _weights = new float[tokens * TopK];
        for (int t = 0; t < tokens; t++)
        for (int j = 0; j < TopK; j++)
        {
            _ids[t * TopK + j] = (t * 7 + j * 11) % Experts;  // distinct per token, spread over experts
            _weights[t * TopK + j] = 1.0f / TopK;
        }
        for (int i = 0; i < (decode ? Experts : 1); i++) { MoeKernel(); SeparateMatMuls(); }  // page in, grow scratch
        double bytesTouched = (decode ? TopK : Experts) * (2.0 * Ffn * _gate.RowBytes + Hidden * _down.RowBytes);
        double flops = 2.0 * tokens * TopK * 3 * Hidden * Ffn;
        double bandwidth = decode ? Bandwidth.Measure(_pool) : 0;
        foreach (string method in new[] { nameof(MoeKernel), nameof(SeparateMatMuls) })
            CaseFacts.Register(CaseFacts.Key(nameof(MoeBench), method, Case), new CaseFacts(bytesTouched, flops, bandwidth, decode));
    }

    /// <summary>At N = 1, route the token to the next TopK experts in turn (see the class comment).</summary>
    private void NextRouting()
    {
        if (Case.Tokens != 1) return;
        for (int j = 0; j < TopK; j++) _ids[j] = (_call * TopK + j) % Experts;
        _call++;
    }

    [Benchmark]
    public void MoeKernel()
    {
        NextRouting();
        var w = new NiMoeWeights
        {
            Gate = _gate.Copy(0), Up = _up.Copy(0), Down = _down.Copy(0), GateType = (int)Case.Type, UpType = (int)Case.Type,
            DownType = (int)Case.DownType, NExperts = Experts, Hidden = Hidden, Ffn = Ffn,
        };
        fixed (int* ids = _ids)
        fixed (float* wts = _weights)
            _pool.MoeExperts(&w, (float*)_x.Pointer, Hidden * 4, ids, wts, Case.Tokens, TopK, (float*)_out.Pointer, Hidden * 4, NiMoeFlags.None);
    }

    /// <summary>The same products as plain matmuls: per expert, its tokens gathered, gate, up, silu·up, down.</summary>
    [Benchmark]
    public void SeparateMatMuls()
    {
        NextRouting();
        byte* gate = _gate.Copy(0), up = _up.Copy(0), down = _down.Copy(0);
        float* xg = (float*)_xGathered.Pointer, g = (float*)_scratchG.Pointer, u = (float*)_scratchU.Pointer;
        float* y = (float*)_scratchY.Pointer, x = (float*)_x.Pointer;
        for (int e = 0; e < Experts; e++)
        {
            int n = 0;
            for (int i = 0; i < _ids.Length; i++)
                if (_ids[i] == e) new Span<float>(x + i / TopK * Hidden, Hidden).CopyTo(new Span<float>(xg + n++ * Hidden, Hidden));
            if (n == 0) continue;
            _pool.MatMul(Case.Type, gate + e * Ffn * _gate.RowBytes, (nuint)_gate.RowBytes, xg, Hidden * 4, g, (nuint)(Ffn * 4), n, Ffn, Hidden);
            _pool.MatMul(Case.Type, up + e * Ffn * _up.RowBytes, (nuint)_up.RowBytes, xg, Hidden * 4, u, (nuint)(Ffn * 4), n, Ffn, Hidden);
            for (int i = 0; i < n * Ffn; i++) g[i] = g[i] / (1 + MathF.Exp(-g[i])) * u[i];
            _pool.MatMul(Case.DownType, down + e * Hidden * _down.RowBytes, (nuint)_down.RowBytes, g, (nuint)(Ffn * 4), y, Hidden * 4, n, Hidden, Ffn);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (IDisposable d in new IDisposable[] { _gate, _up, _down, _x, _out, _scratchG, _scratchU, _scratchY, _xGathered, _pool })
            d.Dispose();
    }
}
