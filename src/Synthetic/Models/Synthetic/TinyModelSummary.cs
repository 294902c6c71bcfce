namespace NativeInfer.Models.Synthetic;

/// <summary>What <see cref="TinyModel.Write"/> wrote.</summary>
/// <param name="File">The file, its tensors and the time taken.</param>
/// <param name="Spec">The shape that was written.</param>
/// <param name="Tokenizer">Where the tokenizer came from.</param>
/// <param name="Constructed">True for the demo's constructed weights, false for random ones.</param>
/// <param name="LookupNeurons">Neurons of layer 0's lookup MLP in use (0 for random weights).</param>
/// <param name="UsesPreviousToken">The constructed model looks at the last two tokens (layer 0's attention copies the previous one); false: the last token only.</param>
public sealed record TinyModelSummary(SyntheticModelSummary File, SyntheticModelSpec Spec, string Tokenizer, bool Constructed, int LookupNeurons,
                                      bool UsesPreviousToken);
