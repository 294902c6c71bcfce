using NativeInfer.Config;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>Options a rule can set on the decoder stack ("model") operator.</summary>
public sealed class DecoderStackOptions : IPlanCheckedOptions
{
    /// <summary>
    /// KTransformers' layer-wise prefill threshold (its spelling): prompts longer than this stream
    /// layers to the GPU one at a time. Accepted for rule-file compatibility; with every layer on the
    /// CPU there is nothing to stream, so it has no effect (0 = off).
    /// </summary>
    [Kwarg("per_layer_prefill_intput_threshold")]
    public int PerLayerPrefillInputThreshold { get; set; }

    /// <summary>
    /// KTransformers' transfer_map: first layer index → device the hidden state moves to from that
    /// layer on. Validated against the devices the rules use (every device must exist).
    /// </summary>
    [Kwarg("transfer_map")]
    public Dictionary<int, string> TransferMap { get; set; } = [];

    public IEnumerable<string> CheckPlan(ModelConfig config, Func<Device, (bool Available, string Reason)> probe, bool fallbackToCpu)
    {
        var warnings = new List<string>();
        foreach (var (layer, device) in TransferMap)
        {
            if (layer < 0) throw new ArgumentException($"transfer_map names layer {layer}; layers are numbered from 0");
            // KTransformers' loop never reaches such a layer, so its files (written for 61 layers) work on
            // smaller models of the architecture: a warning, not an error.
            if (layer >= config.NumLayers)
            {
                warnings.Add($"transfer_map names layer {layer}, but the model has layers 0 to {config.NumLayers - 1}: it never applies");
                continue;
            }
            if (!Device.TryParse(device, out Device d))
                throw new ArgumentException($"transfer_map layer {layer} names unknown device '{device}' (cpu, cuda, cuda:N)");
            if (!d.IsCpu && !fallbackToCpu && probe(d) is (false, var why))
                throw new ArgumentException($"transfer_map layer {layer} moves to {d}, which is not available: {why}");
        }
        return warnings;
    }
}

/// <summary>
/// The decoder stack: embed the tokens, run every layer in place, apply the final norm.
/// Registered as KDeepseekV2Model and KQwen2MoeModel (KTransformers' names) and as the default.
/// </summary>
[Operator("DecoderStack", Modules = [typeof(DecoderModel)], Options = typeof(DecoderStackOptions), IsDefault = true)]
[Operator("KDeepseekV2Model", Aliases = ["ktransformers.operators.models.KDeepseekV2Model"], Modules = [typeof(DecoderModel)], Options = typeof(DecoderStackOptions))]
[Operator("KQwen2MoeModel", Aliases = ["ktransformers.operators.models.KQwen2MoeModel"], Modules = [typeof(DecoderModel)], Options = typeof(DecoderStackOptions))]
public sealed unsafe class DecoderStackOperator : InjectedOperator, IDecoderStackOperator
{
    private readonly DecoderModel _model;
    private IEmbeddingOperator _embed = null!;
    private DecoderLayerOperator[] _layers = [];
    private INormOperator _norm = null!;

    public DecoderStackOperator(OperatorContext context) : base(context)
    {
        _model = context.Module as DecoderModel ?? throw new ModelLoadException($"{Key}: the decoder stack operator needs the 'model' module, got {context.Module.ClassName}");
        Options = context.OptionsAs<DecoderStackOptions>();
    }

    public DecoderStackOptions Options { get; }

    internal IEmbeddingOperator Embedding => _embed;

    public override void Bind(OperatorBinder binder)
    {
        _embed = binder.OperatorFor<IEmbeddingOperator>(_model.EmbedTokens);
        _layers = _model.Layers.Select(l => binder.OperatorFor<DecoderLayerOperator>(l)).ToArray();
        _norm = binder.OperatorFor<INormOperator>(_model.Norm);
    }

    public void Forward(ForwardContext ctx, int* tokens, int n, float* hidden)
    {
        long values = (long)n * _model.Norm.Dim;
        _embed.Forward(ctx, tokens, n, hidden);
        ctx.CheckFinite(-1, hidden, values);
        for (int i = 0; i < _layers.Length; i++)
        {
            ctx.ThrowIfCancelled();
            // Layers work in place on hidden: what one allocates is dead when it returns.
            ScratchMark mark = ctx.Scratch.Mark();
            _layers[i].Forward(ctx, hidden, n);
            ctx.Scratch.Rewind(mark);
            ctx.CheckFinite(i, hidden, values);
        }
        _norm.Forward(ctx, hidden, n, hidden);
        ctx.CheckFinite(_layers.Length, hidden, values);
    }
}
