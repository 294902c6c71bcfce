namespace NativeInfer.Models.Modules;

/// <summary>down(silu(gate x) ⊙ up x) with three Linear children gate_proj, up_proj, down_proj.</summary>
public class Mlp : Module
{
    public Mlp(string path, string ggufGate, string ggufUp, string ggufDown, int hidden, int intermediate) : base(path)
    {
        GateProj = Add(new Linear(ChildPath("gate_proj"), ggufGate, hidden, intermediate));
        UpProj = Add(new Linear(ChildPath("up_proj"), ggufUp, hidden, intermediate));
        DownProj = Add(new Linear(ChildPath("down_proj"), ggufDown, intermediate, hidden));
    }

    public Linear GateProj { get; }
    public Linear UpProj { get; }
    public Linear DownProj { get; }
}

public sealed class DeepseekV2MLP(string path, string ggufGate, string ggufUp, string ggufDown, int hidden, int intermediate)
    : Mlp(path, ggufGate, ggufUp, ggufDown, hidden, intermediate);

public sealed class Qwen2MoeMLP(string path, string ggufGate, string ggufUp, string ggufDown, int hidden, int intermediate)
    : Mlp(path, ggufGate, ggufUp, ggufDown, hidden, intermediate);

public sealed class LlamaMLP(string path, string ggufGate, string ggufUp, string ggufDown, int hidden, int intermediate)
    : Mlp(path, ggufGate, ggufUp, ggufDown, hidden, intermediate);

public sealed class DeepseekV3MLP(string path, string ggufGate, string ggufUp, string ggufDown, int hidden, int intermediate)
    : Mlp(path, ggufGate, ggufUp, ggufDown, hidden, intermediate);

public sealed class Qwen3MoeMLP(string path, string ggufGate, string ggufUp, string ggufDown, int hidden, int intermediate)
    : Mlp(path, ggufGate, ggufUp, ggufDown, hidden, intermediate);

public sealed class Qwen3MLP(string path, string ggufGate, string ggufUp, string ggufDown, int hidden, int intermediate)
    : Mlp(path, ggufGate, ggufUp, ggufDown, hidden, intermediate);
