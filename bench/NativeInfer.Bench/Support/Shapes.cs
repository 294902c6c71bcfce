namespace NativeInfer.Bench.Support;

/// <summary>A weight matrix of DeepSeek-V2-Lite: K inputs → M outputs.</summary>
public sealed record Shape(string Name, long K, long M)
{
    public override string ToString() => $"{Name} {K}→{M}";

    public static readonly Shape QProj = new("q_proj", 2048, 3072);
    public static readonly Shape KvA = new("kv_a", 2048, 576);
    public static readonly Shape KvB = new("kv_b", 512, 4096);
    public static readonly Shape OProj = new("o_proj", 2048, 2048);
    public static readonly Shape ExpertUp = new("expert_up", 2048, 1408);
    public static readonly Shape ExpertDown = new("expert_down", 1408, 2048);
    public static readonly Shape LmHead = new("lm_head", 2048, 102400);

    public static IReadOnlyList<Shape> All { get; } = [QProj, KvA, KvB, OProj, ExpertUp, ExpertDown, LmHead];
}
