using NativeInfer.Config;

namespace NativeInfer.Models.Modules;

/// <summary>Base of every MoE block: a router, stacked routed experts, optional shared experts.</summary>
public abstract class SparseMoeBlock(string path, int layer, MoeConfig moe) : Module(path)
{
    public int Layer { get; } = layer;
    public MoeConfig Moe { get; } = moe;
    public abstract Experts Experts { get; }
}

/// <summary>
/// DeepSeek-V2 MoE: gate (MoEGate, ffn_gate_inp), experts (ffn_*_exps), shared_experts (an MLP over
/// ffn_*_shexp, added ungated).
/// </summary>
public sealed class DeepseekV2MoE : SparseMoeBlock
{
    public DeepseekV2MoE(string path, int layer, ModelConfig config) : base(path, layer, config.Moe!)
    {
        string blk = $"blk.{layer}.";
        MoeConfig moe = config.Moe!;
        Gate = Add(new MoEGate(ChildPath("gate"), blk + "ffn_gate_inp", config.HiddenSize, moe.NumExperts));
        Experts = Add(new Experts(ChildPath("experts"), blk, moe.NumExperts, config.HiddenSize, moe.ExpertIntermediateSize));
        if (moe.NumSharedExperts > 0)
            SharedExperts = Add(new DeepseekV2MLP(ChildPath("shared_experts"), blk + "ffn_gate_shexp", blk + "ffn_up_shexp",
                blk + "ffn_down_shexp", config.HiddenSize, moe.SharedIntermediateSize));
    }

    public MoEGate Gate { get; }
    public override Experts Experts { get; }
    public DeepseekV2MLP? SharedExperts { get; }
}

/// <summary>
/// Qwen2-MoE sparse block: gate (a Linear router, ffn_gate_inp), experts, shared_expert (an MLP over
/// ffn_*_shexp) scaled by sigmoid(shared_expert_gate · x) (ffn_gate_inp_shexp, one output).
/// </summary>
public sealed class Qwen2MoeSparseMoeBlock : SparseMoeBlock
{
    public Qwen2MoeSparseMoeBlock(string path, int layer, ModelConfig config) : base(path, layer, config.Moe!)
    {
        string blk = $"blk.{layer}.";
        MoeConfig moe = config.Moe!;
        Gate = Add(new Linear(ChildPath("gate"), blk + "ffn_gate_inp", config.HiddenSize, moe.NumExperts));
        Experts = Add(new Experts(ChildPath("experts"), blk, moe.NumExperts, config.HiddenSize, moe.ExpertIntermediateSize));
        if (moe.NumSharedExperts > 0)
        {
            SharedExpert = Add(new Qwen2MoeMLP(ChildPath("shared_expert"), blk + "ffn_gate_shexp", blk + "ffn_up_shexp",
                blk + "ffn_down_shexp", config.HiddenSize, moe.SharedIntermediateSize));
            if (moe.SharedGate == Config.SharedExpertGate.Sigmoid)
                SharedExpertGate = Add(new Linear(ChildPath("shared_expert_gate"), blk + "ffn_gate_inp_shexp", config.HiddenSize, 1));
        }
    }

    public Linear Gate { get; }
    public override Experts Experts { get; }
    public Qwen2MoeMLP? SharedExpert { get; }
    public Linear? SharedExpertGate { get; }
}

/// <summary>Mixtral-style block of a llama-architecture MoE: gate (Linear router), experts, no shared expert.</summary>
public sealed class MixtralSparseMoeBlock : SparseMoeBlock
{
    public MixtralSparseMoeBlock(string path, int layer, ModelConfig config) : base(path, layer, config.Moe!)
    {
        string blk = $"blk.{layer}.";
        Gate = Add(new Linear(ChildPath("gate"), blk + "ffn_gate_inp", config.HiddenSize, config.Moe!.NumExperts));
        Experts = Add(new Experts(ChildPath("experts"), blk, config.Moe.NumExperts, config.HiddenSize, config.Moe.ExpertIntermediateSize));
    }

    public Linear Gate { get; }
    public override Experts Experts { get; }
}
