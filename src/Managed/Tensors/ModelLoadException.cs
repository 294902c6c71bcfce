namespace NativeInfer.Tensors;

/// <summary>A model could not be loaded: a tensor missing or of the wrong shape or type, a bad rule, a device that does not exist.</summary>
public class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
