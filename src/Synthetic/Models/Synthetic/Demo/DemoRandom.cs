using System.Numerics.Tensors;

namespace NativeInfer.Models.Synthetic.Demo;

/// <summary>Random directions for the demo construction.</summary>
internal static class DemoRandom
{
    /// <summary>Standard normal values (Box–Muller, both values of each pair used).</summary>
    public static void Gaussian(Random random, Span<float> values)
    {
        for (int i = 0; i < values.Length; i += 2)
        {
            double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())), angle = 2 * Math.PI * random.NextDouble();
            values[i] = (float)(radius * Math.Cos(angle));
            if (i + 1 < values.Length) values[i + 1] = (float)(radius * Math.Sin(angle));
        }
    }

    public static void Normalize(Span<float> v) => TensorPrimitives.Divide(v, TensorPrimitives.Norm<float>(v), v);

    /// <summary>
    /// <paramref name="count"/> unit vectors of <paramref name="length"/> values: the first min(count, length)
    /// exactly orthonormal (Gram–Schmidt, applied twice for accuracy in float), the rest random.
    /// </summary>
    public static float[][] Directions(int count, int length, Random random)
    {
        var v = new float[count][];
        for (int i = 0; i < count; i++)
        {
            v[i] = new float[length];
            Gaussian(random, v[i]);
            if (i < length)
                for (int pass = 0; pass < 2; pass++)
                    for (int j = 0; j < i; j++)
                    {
                        float dot = TensorPrimitives.Dot<float>(v[i], v[j]);
                        for (int k = 0; k < length; k++) v[i][k] -= dot * v[j][k];
                    }
            Normalize(v[i]);
        }
        return v;
    }
}
