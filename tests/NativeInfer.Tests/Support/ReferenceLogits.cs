using System.Text;
using System.Text.Json;
using NativeInfer.Runtime;

namespace NativeInfer.Tests.Support;

/// <summary>
/// A model's reference logits computed by llama.cpp (../shared/testdata/models/NAME.reference.json):
/// prompt tokens, greedy continuation, per position the top-64 and 1024 sampled logits, and the
/// tolerance a correct implementation meets (see the testdata README).
/// </summary>
public sealed class ReferenceLogits
{
    public required int[] PromptTokens { get; init; }
    public required int[] GreedyTokens { get; init; }
    public required int[] SampleIds { get; init; }
    public required Position[] Positions { get; init; }
    public double? MaxAbs { get; init; }
    public double MeanAbs { get; init; }
    public double Top1Margin { get; init; }
    public double Top1MinAgreement { get; init; }

    public sealed record Position(int Index, (int Id, float Logit)[] Top, float[] Sample, double LogSumExp);

    public static ReferenceLogits Load(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement root = doc.RootElement, tol = root.GetProperty("tolerance");
        int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();
        return new ReferenceLogits
        {
            PromptTokens = Ints(root.GetProperty("prompt_tokens")),
            GreedyTokens = Ints(root.GetProperty("greedy_tokens")),
            SampleIds = Ints(root.GetProperty("sample_ids")),
            Positions = root.GetProperty("positions").EnumerateArray().Select(p => new Position(
                p.GetProperty("position").GetInt32(),
                p.GetProperty("top").EnumerateArray().Select(t => (t[0].GetInt32(), t[1].GetSingle())).ToArray(),
                p.GetProperty("sample").EnumerateArray().Select(x => x.GetSingle()).ToArray(),
                p.GetProperty("logsumexp").GetDouble())).ToArray(),
            MaxAbs = tol.GetProperty("max_abs").ValueKind == JsonValueKind.Null ? null : tol.GetProperty("max_abs").GetDouble(),
            MeanAbs = tol.GetProperty("mean_abs").GetDouble(),
            Top1Margin = tol.GetProperty("top1_margin").GetDouble(),
            Top1MinAgreement = tol.GetProperty("top1_min_agreement").GetDouble(),
        };
    }

    /// <summary>
    /// Runs the reference protocol on a fresh session: the prompt as one batched prefill (logits of every
    /// position), then each greedy token as a one-token decode step. Returns [positions][vocab].
    /// </summary>
    public float[][] Run(InferenceSession session)
    {
        int vocab = session.VocabSize, n = PromptTokens.Length;
        var all = new float[n * vocab];
        session.ForwardAll(PromptTokens, all);
        var rows = new List<float[]>();
        for (int i = 0; i < n; i++) rows.Add(all.AsSpan(i * vocab, vocab).ToArray());
        foreach (int token in GreedyTokens)
        {
            var logits = new float[vocab];
            session.Forward([token], logits);
            rows.Add(logits);
        }
        return rows.ToArray();
    }

    /// <summary>The comparison the README defines, with what it found.</summary>
    public Comparison Compare(float[][] logits)
    {
        double max = 0, sum = 0;
        long count = 0;
        int worstPos = -1, worstId = -1, agreeCount = 0, considered = 0;
        var disagreements = new List<string>();
        for (int p = 0; p < Positions.Length; p++)
        {
            Position pos = Positions[p];
            float[] mine = logits[p];
            void Take(int id, float reference)
            {
                double d = Math.Abs(mine[id] - reference);
                if (d > max) (max, worstPos, worstId) = (d, p, id);
                sum += d;
                count++;
            }
            foreach (var (id, logit) in pos.Top) Take(id, logit);
            for (int i = 0; i < SampleIds.Length; i++) Take(SampleIds[i], pos.Sample[i]);
            if (pos.Top[0].Logit - pos.Top[1].Logit > Top1Margin)
            {
                considered++;
                int argmax = 0;
                for (int i = 1; i < mine.Length; i++) if (mine[i] > mine[argmax]) argmax = i;
                if (argmax == pos.Top[0].Id) agreeCount++;
                else disagreements.Add($"position {p}: reference top-1 {pos.Top[0].Id}, got {argmax}");
            }
        }
        return new Comparison(max, sum / count, worstPos, worstId, considered == 0 ? 1 : (double)agreeCount / considered, considered, disagreements);
    }

    public sealed record Comparison(double MaxAbs, double MeanAbs, int WorstPosition, int WorstId, double Top1Agreement, int Top1Considered,
                                    IReadOnlyList<string> Disagreements)
    {
        public override string ToString()
        {
            var sb = new StringBuilder($"max |Δ| {MaxAbs:0.00000} (position {WorstPosition}, id {WorstId}), mean |Δ| {MeanAbs:0.000000}, " +
                                       $"top-1 agreement {Top1Agreement:P0} of {Top1Considered}");
            foreach (string d in Disagreements.Take(5)) sb.Append("; ").Append(d);
            return sb.ToString();
        }
    }

    /// <summary>Asserts the README's tolerance for this model.</summary>
    public void AssertWithinTolerance(Comparison c)
    {
        TestContext.Out.WriteLine(c.ToString());
        if (MaxAbs is double m) Assert.That(c.MaxAbs, Is.LessThanOrEqualTo(m), $"max |Δ| over {m}: {c}");
        Assert.That(c.MeanAbs, Is.LessThanOrEqualTo(MeanAbs), $"mean |Δ| over {MeanAbs}: {c}");
        Assert.That(c.Top1Agreement, Is.GreaterThanOrEqualTo(Top1MinAgreement), $"top-1 agreement under {Top1MinAgreement}: {c}");
    }
}
