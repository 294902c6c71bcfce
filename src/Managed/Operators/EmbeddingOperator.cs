using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>Token ids → rows of the embedding table, dequantized exactly (any kernel type).</summary>
[Operator("Embedding", Modules = [typeof(Embedding)], IsDefault = true)]
public sealed unsafe class EmbeddingOperator : InjectedOperator, IEmbeddingOperator
{
    private readonly Embedding _embedding;
    private WeightTensor _table;

    public EmbeddingOperator(OperatorContext context) : base(context) =>
        _embedding = context.Module as Embedding ?? throw new ModelLoadException($"{Key}: EmbeddingOperator needs an Embedding module");

    public int Dim => _embedding.Dim;

    internal WeightTensor Table => _table;

    public override void Bind(OperatorBinder binder) => _table = binder.Tensor(_embedding, "weight");

    public void Forward(ForwardContext ctx, int* tokens, int n, float* y)
    {
        for (int t = 0; t < n; t++)
        {
            int id = tokens[t];
            if ((uint)id >= (uint)_embedding.Vocab)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {id} at index {t} is outside the vocabulary [0, {_embedding.Vocab})");
            ctx.Pool.DequantizeRows(_table.Type, _table.RowPointer(id), (nuint)_table.RowBytes, y + (long)t * Dim, (nuint)(Dim * 4), 1, Dim);
        }
    }
}
