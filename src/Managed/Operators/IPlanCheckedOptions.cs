using NativeInfer.Config;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// Options that check themselves against the model and the devices while the plan is made, once a rule's kwargs are
/// bound (DecoderStackOptions' transfer_map): the injector calls this for any operator's options, naming none.
/// Returns warnings; throws <see cref="ArgumentException"/> naming what is wrong (the injector adds the rule's location).
/// </summary>
public interface IPlanCheckedOptions
{
    IEnumerable<string> CheckPlan(ModelConfig config, Func<Device, (bool Available, string Reason)> probe, bool fallbackToCpu);
}
