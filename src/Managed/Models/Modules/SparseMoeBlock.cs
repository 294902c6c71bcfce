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
/// A DeepSeek MoE block (V2 and V3): gate (MoEGate, ffn_gate_inp, and exp_probs_b under V3 routing),
/// experts (ffn_*_exps), shared_experts (an MLP over ffn_*_shexp, added ungated). Subclasses carry
/// each version's class names.
/// </summary>
public abstract class DeepseekMoEBlock : SparseMoeBlock
{
    protected DeepseekMoEBlock(string path, int layer, ModelConfig config, Func<string, string, string, string, int, int, Mlp> mlp)
        : base(path, layer, config.Moe!)
    {
        string blk = $"blk.{layer}.";
        MoeConfig moe = config.Moe!;
        Gate = Add(new MoEGate(ChildPath("gate"), layer, config.HiddenSize, moe.NumExperts, moe.SelectionBias));
        Experts = Add(new Experts(ChildPath("experts"), blk, moe.NumExperts, config.HiddenSize, moe.ExpertIntermediateSize));
        if (moe.NumSharedExperts > 0)
            SharedExperts = Add(mlp(ChildPath("shared_experts"), blk + "ffn_gate_shexp", blk + "ffn_up_shexp", blk + "ffn_down_shexp",
                config.HiddenSize, moe.SharedIntermediateSize));
    }

    public MoEGate Gate { get; }
    public override Experts Experts { get; }
    public Mlp? SharedExperts { get; }
}

public sealed class DeepseekV2MoE(string path, int layer, ModelConfig config)
    : DeepseekMoEBlock(path, layer, config, (p, g, u, d, h, i) => new DeepseekV2MLP(p, g, u, d, h, i));

public sealed class DeepseekV3MoE(string path, int layer, ModelConfig config)
    : DeepseekMoEBlock(path, layer, config, (p, g, u, d, h, i) => new DeepseekV3MLP(p, g, u, d, h, i));

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

/// <summary>A sparse block whose router is a plain Linear and which has no shared expert (Mixtral, Qwen3-MoE).</summary>
public abstract class LinearRoutedMoeBlock : SparseMoeBlock
{
    protected LinearRoutedMoeBlock(string path, int layer, ModelConfig config) : base(path, layer, config.Moe!)
    {
        string blk = $"blk.{layer}.";
        Gate = Add(new Linear(ChildPath("gate"), blk + "ffn_gate_inp", config.HiddenSize, config.Moe!.NumExperts));
        Experts = Add(new Experts(ChildPath("experts"), blk, config.Moe.NumExperts, config.HiddenSize, config.Moe.ExpertIntermediateSize));
    }

    public Linear Gate { get; }
    public override Experts Experts { get; }
}

/// <summary>Mixtral's block of a llama-architecture MoE.</summary>
public sealed class MixtralSparseMoeBlock(string path, int layer, ModelConfig config) : LinearRoutedMoeBlock(path, layer, config);

/// <summary>Qwen3-MoE's block: softmax top-k, renormalised as its config says.</summary>
public sealed class Qwen3MoeSparseMoeBlock(string path, int layer, ModelConfig config) : LinearRoutedMoeBlock(path, layer, config);
