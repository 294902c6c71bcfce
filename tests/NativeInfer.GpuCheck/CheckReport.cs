namespace NativeInfer.GpuCheck;

/// <summary>Lines of PASS / FAIL with the measured error, to stdout and the report file; counts failures.</summary>
internal sealed class CheckReport(TextWriter output)
{
    public int Failures { get; private set; }
    public int Checks { get; private set; }

    public void Line(string text)
    {
        output.WriteLine(text);
        output.Flush();
    }

    public void Result(string name, bool ok, string detail)
    {
        Checks++;
        if (!ok) Failures++;
        Line($"{(ok ? "PASS" : "FAIL")}  {name}: {detail}");
    }

    /// <summary>max |got − want| / (max |want| + 1e-30) within <paramref name="tolerance"/>.</summary>
    public void Compare(string name, ReadOnlySpan<float> got, ReadOnlySpan<float> want, double tolerance)
    {
        if (got.Length != want.Length)
        {
            Result(name, false, $"{got.Length} values vs {want.Length}");
            return;
        }
        double worst = 0, scale = 0;
        int at = 0;
        for (int i = 0; i < want.Length; i++)
        {
            if (float.IsFinite(want[i])) scale = Math.Max(scale, Math.Abs(want[i]));
            // equal values (∞ and NaN included) agree; a NaN or ∞ against anything else is the worst difference
            double d = got[i].Equals(want[i]) ? 0 : Math.Abs((double)got[i] - want[i]);
            if (!double.IsFinite(d)) d = double.PositiveInfinity;
            if (d > worst) (worst, at) = (d, i);
        }
        double relative = worst / (scale + 1e-30);
        Result(name, relative <= tolerance, $"max|Δ|/max|ref| = {relative:E2} (at {at}, tolerance {tolerance:E0}, {want.Length} values)");
    }

    public void CompareExact(string name, ReadOnlySpan<int> got, ReadOnlySpan<int> want)
    {
        int differ = 0;
        for (int i = 0; i < Math.Min(got.Length, want.Length); i++) differ += got[i] != want[i] ? 1 : 0;
        Result(name, differ == 0 && got.Length == want.Length, $"{differ} of {want.Length} differ");
    }
}
