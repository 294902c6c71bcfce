namespace NativeInfer.PeerBench;

/// <summary>One engine's timings in one round: the prompt as one batch, then one-token decode steps.</summary>
internal sealed record EngineRun(string Engine, int Round, double PrefillSeconds, double[] StepSeconds)
{
    public double PrefillTokensPerSecond(int promptTokens) => promptTokens / PrefillSeconds;

    public double DecodeTokensPerSecond => StepSeconds.Length / StepSeconds.Sum();

    public double Percentile(double p)
    {
        double[] sorted = [.. StepSeconds];
        Array.Sort(sorted);
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
