using NativeInfer.Models.Modules;
using NativeInfer.Operators;
using NativeInfer.Tensors;

namespace NativeInfer.Tests.Generation;

/// <summary>
/// A Linear operator that, when armed, stops inside its next Forward — in the middle of a forward pass, with
/// the session's native buffers in use — until the test releases it: the deterministic way to dispose a session
/// while a pass runs. Otherwise it is the plain native matmul. Named in a rule by assembly-qualified type.
/// </summary>
public sealed unsafe class GatedLinear(OperatorContext context) : InjectedOperator(context), ILinearOperator
{
    private readonly Linear _linear = context.Module as Linear ?? throw new ModelLoadException("GatedLinear needs a Linear module");
    private WeightTensor _w;

    public const string TypeName = "NativeInfer.Tests.Generation.GatedLinear, NativeInfer.Tests";

    /// <summary>Set: the next Forward stops. Cleared by that Forward.</summary>
    public static volatile bool Armed;

    /// <summary>Set when an armed Forward has stopped.</summary>
    public static readonly ManualResetEventSlim Entered = new();

    /// <summary>Set by the test to let the stopped Forward go on.</summary>
    public static readonly ManualResetEventSlim Release = new();

    public int In => _linear.InFeatures;
    public int Out => _linear.OutFeatures;

    public override void Bind(OperatorBinder binder) => _w = binder.Tensor(_linear, "weight");

    public void Forward(ForwardContext ctx, float* x, int n, float* y)
    {
        if (Armed)
        {
            Armed = false;
            Entered.Set();
            Release.Wait(TimeSpan.FromMinutes(1));
        }
        ctx.Pool.MatMul(_w.Type, _w.Pointer, (nuint)_w.RowBytes, x, (nuint)(In * 4), y, (nuint)(Out * 4), n, Out, In);
    }
}
