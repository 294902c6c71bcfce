namespace NativeInfer.Generation;

/// <summary>Follows a stream from inside the library (chat sessions record the reply this way).</summary>
internal interface IGenerationObserver
{
    void OnToken(in GeneratedToken token);

    /// <param name="completed">True when the generation reached its last item; false when it was cancelled, failed or disposed early.</param>
    void OnFinished(GenerationStream stream, bool completed);
}
