namespace NativeInfer.PeerBench;

/// <summary>An engine under test: loaded once, then asked for rounds of prefill + greedy decode from an empty cache.</summary>
internal interface IBenchEngine : IDisposable
{
    string Name { get; }

    /// <summary>A one-line description of how the engine is configured.</summary>
    string Settings { get; }

    EngineRun Run(int round, int[] prompt, int decodeTokens);
}
