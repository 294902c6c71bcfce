using Microsoft.Extensions.Logging;

namespace NativeInfer.Generation.Diagnostics;

/// <summary>Every log message of the generation layer (source-generated: nothing is formatted unless the level is enabled).</summary>
internal static partial class GenerationLog
{
    [LoggerMessage(1, LogLevel.Information,
        "Loaded {Model} from {Path} in {ElapsedMs:0} ms: {Architecture}, {Layers} layers, vocabulary {Vocabulary}, {DecodeMB:0.0} MB of weights read per token")]
    public static partial void ModelLoaded(ILogger logger, string model, string path, double elapsedMs, string architecture, int layers, int vocabulary, double decodeMB);

    [LoggerMessage(2, LogLevel.Debug,
        "Session {Session} created: context {Capacity} tokens, KV cache {KvCacheType}, {Threads} threads, overflow policy {Policy}")]
    public static partial void SessionCreated(ILogger logger, int session, int capacity, Interop.NiType kvCacheType, int threads, ContextOverflowPolicy policy);

    [LoggerMessage(3, LogLevel.Debug, "Session {Session} closed")]
    public static partial void SessionClosed(ILogger logger, int session);

    [LoggerMessage(4, LogLevel.Information,
        "Session {Session}: {Generated} tokens generated ({FinishReason}) after {PromptTokens} prompt tokens ({Evaluated} evaluated, {Cached} cached); " +
        "time to first token {TtftMs:0.0} ms, {TokensPerSecond:0.0} tokens/s")]
    public static partial void GenerationFinished(ILogger logger, int session, int generated, FinishReason finishReason, int promptTokens, int evaluated,
                                                  int cached, double ttftMs, double tokensPerSecond);

    [LoggerMessage(5, LogLevel.Information, "Session {Session}: generation cancelled after {Generated} tokens")]
    public static partial void GenerationCancelled(ILogger logger, int session, int generated);

    [LoggerMessage(6, LogLevel.Warning, "Session {Session}: generation failed after {Generated} tokens")]
    public static partial void GenerationFailed(ILogger logger, Exception exception, int session, int generated);

    [LoggerMessage(7, LogLevel.Information,
        "Session {Session}: context full ({Count} of {Capacity} tokens): dropped {Dropped} tokens after the first {Kept}, re-evaluating {Reevaluated}")]
    public static partial void ContextTruncated(ILogger logger, int session, int count, int capacity, int dropped, int kept, int reevaluated);

    [LoggerMessage(8, LogLevel.Trace, "Session {Session}: token {Index} = {TokenId}")]
    public static partial void TokenGenerated(ILogger logger, int session, int index, int tokenId);

    [LoggerMessage(9, LogLevel.Information, "Chat: the conversation does not fit {Capacity} tokens; dropped the {Dropped} oldest messages")]
    public static partial void TurnsDropped(ILogger logger, int capacity, int dropped);

    [LoggerMessage(10, LogLevel.Warning, "Chat client: ChatOptions.Tools is not supported and is ignored")]
    public static partial void ToolsIgnored(ILogger logger);

    [LoggerMessage(11, LogLevel.Debug, "Unloaded {Model}")]
    public static partial void ModelUnloaded(ILogger logger, string model);
}
