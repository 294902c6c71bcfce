using NativeInfer.Injection;
using NativeInfer.Models.Modules;
using NativeInfer.Operators;
using Device = NativeInfer.Tensors.Device;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// The devices a plan gives the GPU decode path: one per decoder layer and one for the final norm and the head (what
/// <see cref="GpuDeviceMap"/> holds once they are open). Read from where the rules put each module the backend runs,
/// and refused, naming the module and its rule, where the path could not follow: a layer whose modules are on two
/// devices, a norm and head apart, an embedding on a GPU other than layer 0's, experts whose out_device is not their
/// layer's device, and a hidden state that would change devices between layers without transfer_map saying so (or a
/// transfer_map that disagrees with the placement). Moving from the last layer to the norm's device needs no entry:
/// KTransformers' multi-GPU files put model.norm and lm_head with the last layers, and on a model with fewer layers
/// than the file was written for, that is a device of its own.
/// </summary>
internal static class GpuPlanDevices
{
    public static (Device[] Layers, Device Head) Read(InjectionPlan plan, string backend)
    {
        DecoderModel model = plan.Root.Model;
        var onGpu = plan.Entries.Where(e => !e.Pruned && e.Operator is not null && e.DeviceImplementation is not null).ToArray();

        var layers = new Device[model.Layers.Count];
        for (int i = 0; i < layers.Length; i++)
        {
            string prefix = model.Layers[i].Path + ".";
            PlannedOperator[] mine = onGpu.Where(e => e.Module.Path.StartsWith(prefix, StringComparison.Ordinal) || e.Module.Path == model.Layers[i].Path).ToArray();
            if (mine.Length == 0)
                throw new InjectionException($"{model.Layers[i].Path}: nothing of the layer is placed on a GPU, but {backend} runs every decoder layer there");
            layers[i] = mine[0].GenerateDevice;
            if (mine.FirstOrDefault(e => e.GenerateDevice != layers[i]) is { } other)
                throw new InjectionException($"{other.Module.Path} is placed on {other.GenerateDevice} ({Where(other)}) and {mine[0].Module.Path} on {layers[i]}: " +
                                             $"{backend} runs a decoder layer on one device (layers may be split over GPUs, a layer may not)");
        }

        PlannedOperator norm = Planned(plan, model.Norm.Path, backend), head = Planned(plan, plan.Root.LmHead.Path, backend);
        if (norm.GenerateDevice != head.GenerateDevice)
            throw new InjectionException($"{head.Module.Path} is placed on {head.GenerateDevice} ({Where(head)}) and {norm.Module.Path} on {norm.GenerateDevice} " +
                                         $"({Where(norm)}): {backend} runs the final norm and the head on one device");

        if (plan.For(model.EmbedTokens.Path) is { DeviceImplementation: not null } embedding && embedding.GenerateDevice != layers[0])
            throw new InjectionException($"{embedding.Module.Path} is placed on {embedding.GenerateDevice} ({Where(embedding)}) and {model.Layers[0].Path} on " +
                                         $"{layers[0]}: {backend} gathers the embedding on layer 0's device or on the CPU");

        foreach (PlannedOperator e in plan.Entries.Where(e => !e.Pruned && e.Operator is not null && e.Module is Experts))
        {
            int layer = LayerOf(model, e.Module.Path);
            if (layer >= 0 && e.OutDevice != layers[layer])
                throw new InjectionException($"{e.Module.Path}: the routed experts run on the CPU and {backend} adds their sum on {layers[layer]}, where the layer runs, " +
                                             $"so out_device must be {layers[layer]}, not {e.OutDevice} ({Where(e)})");
        }

        PlannedOperator? stack = plan.Entries.FirstOrDefault(e => !e.Pruned && e.Options is DecoderStackOptions);
        Dictionary<int, string> transfers = (stack?.Options as DecoderStackOptions)?.TransferMap ?? [];
        string stackWhere = stack is null ? "" : Where(stack);
        foreach (var (layer, to) in transfers.Where(t => t.Key < layers.Length))
            if (!Device.TryParse(to, out Device d) || d != layers[layer])
                throw new InjectionException($"{stackWhere}: transfer_map moves the hidden state to {to} at layer {layer}, but the rules place " +
                                             $"{model.Layers[layer].Path} on {layers[layer]}");
        for (int i = 1; i < layers.Length; i++)
            if (layers[i] != layers[i - 1] && !transfers.ContainsKey(i))
                throw new InjectionException($"{model.Layers[i - 1].Path} is placed on {layers[i - 1]} and {model.Layers[i].Path} on {layers[i]}, but no transfer_map " +
                                             $"entry moves the hidden state there at layer {i} (KTransformers moves it only where transfer_map says)");
        return (layers, head.GenerateDevice);
    }

    private static PlannedOperator Planned(InjectionPlan plan, string path, string backend) =>
        plan.For(path) is { DeviceImplementation: not null } e
            ? e
            : throw new InjectionException($"{path} is not placed on a GPU, but {backend} runs the final norm and the head there");

    // The layer index of a module inside model.layers.N, or -1.
    private static int LayerOf(DecoderModel model, string path)
    {
        for (int i = 0; i < model.Layers.Count; i++)
            if (path.StartsWith(model.Layers[i].Path + ".", StringComparison.Ordinal)) return i;
        return -1;
    }

    private static string Where(PlannedOperator e) => e.Rule is null ? "no rule: InjectionOptions.DefaultDevice" : e.Rule.Location.ToString();
}
