using System.Buffers.Binary;
using System.Diagnostics;
using NativeInfer.Gguf;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gguf;

/// <summary>
/// Mutates the shared GGUF files thousands of times — byte flips, random overwrites, structural
/// fields set to extreme values, length inflation, truncation — and parses each result in memory.
/// The only acceptable outcomes are success (after which every view and value must read without
/// error) or <see cref="GgufFormatException"/>. Seeds are fixed; a failure prints the seed, the
/// iteration and the mutation so it reproduces.
/// </summary>
public class GgufFuzzTests
{
    // Iterations are set so the four files plus the synthetic image take a few seconds in Debug:
    // the big-vocabulary files cost milliseconds per parse, the small ones microseconds.
    [TestCase("quant/quant-reference.gguf", 20000, 11)]
    [TestCase("models/tiny-qwen2moe-f32.gguf", 1500, 12)]
    [TestCase("models/tiny-deepseek2-q.gguf", 400, 13)]
    [TestCase("vocab/ggml-vocab-llama-spm.gguf", 1000, 14)]
    public void Mutations_OnlyEverSucceedOrThrowFormatException(string relative, int iterations, int seed) =>
        Fuzz(File.ReadAllBytes(RepoPaths.RequireTestData(relative)), relative, iterations, seed);

    [Test]
    public void Mutations_OfASyntheticFileWithEveryValueAndSeveralTensorTypes([Values(21, 22)] int seed)
    {
        var writer = new GgufWriter();
        writer.AddString("general.architecture", "fuzz");
        writer.AddUInt8("a", 1);
        writer.AddInt16("b", -2);
        writer.AddFloat64("c", 0.5);
        writer.AddBool("d", true);
        writer.AddUInt64("e", 7);
        writer.AddArray<bool>("f", [true, false]);
        writer.AddArray<float>("g", [1f, 2f, 3f]);
        writer.AddArray<long>("h", [1, -1]);
        writer.AddStringArray("i", ["x", "yy", "zzz", "ü"]);
        writer.AddUInt32("general.alignment", 64);
        foreach (var (name, type, ne0) in new[] { ("t0", GgmlType.F32, 8L), ("t1", GgmlType.Q4_0, 64L), ("t2", GgmlType.Q4_K, 256L), ("t3", GgmlType.Q6_K, 256L), ("t4", GgmlType.BF16, 4L), ("t5", GgmlType.IQ4_XS, 256L) })
            writer.AddTensor(name, type, [ne0, 3], new byte[type.ByteSize(ne0 * 3)]);
        var stream = new MemoryStream();
        writer.WriteTo(stream);
        Fuzz(stream.ToArray(), "synthetic", 20000, seed);
    }

    private static void Fuzz(byte[] image, string relative, int iterations, int seed)
    {
        var map = new GgufFieldMap(image);
        var random = new Random(seed);
        int accepted = 0, rejected = 0;
        var clock = Stopwatch.StartNew();
        var saved = new List<(int At, byte[] Bytes)>();

        for (int iteration = 0; iteration < iterations; iteration++)
        {
            int length = image.Length;
            string mutation = Mutate(image, map, random, saved, ref length);
            try
            {
                using GgufFile file = GgufFile.FromMemory(image.AsMemory(0, length), "fuzz");
                TouchEverything(file, deep: iteration % 16 == 0);
                accepted++;
            }
            catch (GgufFormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{relative} seed {seed} iteration {iteration}: {mutation} (length {length}) threw {e.GetType().Name}: {e}");
            }
            finally
            {
                for (int i = saved.Count - 1; i >= 0; i--) saved[i].Bytes.CopyTo(image, saved[i].At);
                saved.Clear();
            }
        }
        TestContext.Out.WriteLine($"{relative}: {iterations} mutations in {clock.ElapsedMilliseconds} ms: {rejected} rejected, {accepted} accepted");
        Assert.That(rejected, Is.GreaterThan(iterations / 4), "the mutations must mostly hit structure, or the test proves little");
    }

    private static string Mutate(byte[] image, GgufFieldMap map, Random random, List<(int, byte[])> saved, ref int length)
    {
        int kind = random.Next(100);
        int header = (int)Math.Min(map.HeaderEnd + 64, image.Length);
        if (kind < 12)
        {
            // Truncate: mostly inside the header and tensor table, sometimes in the data.
            length = random.Next(4) == 0 ? random.Next(image.Length) : random.Next(header);
            return $"truncate to {length}";
        }
        int steps = kind < 85 ? 1 : random.Next(2, 5);
        var text = new List<string>();
        for (int s = 0; s < steps; s++)
        {
            int choice = random.Next(100);
            if (choice < 45 && map.Fields.Count > 0)
            {
                GgufFieldMap.Field f = map.Fields[random.Next(map.Fields.Count)];
                ulong old = f.Size == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan((int)f.Offset)) : BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan((int)f.Offset));
                ulong value = InterestingValue(random, old, image.Length - f.Offset);
                Save(image, saved, (int)f.Offset, f.Size);
                if (f.Size == 8) BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan((int)f.Offset), value);
                else BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan((int)f.Offset), (uint)value);
                text.Add($"{f.Kind}@{f.Offset}: {old} -> {value}");
            }
            else if (choice < 70)
            {
                // Flip bits in one byte, biased towards the tensor table.
                int at = random.Next(3) == 0 && map.HeaderEnd > map.TensorTableStart
                    ? (int)(map.TensorTableStart + random.NextInt64(map.HeaderEnd - map.TensorTableStart))
                    : random.Next(header);
                Save(image, saved, at, 1);
                byte mask = (byte)random.Next(1, 256);
                image[at] ^= mask;
                text.Add($"flip @{at} ^0x{mask:X2}");
            }
            else
            {
                int count = random.Next(1, 9);
                int at = random.Next(Math.Max(1, header - count));
                Save(image, saved, at, count);
                random.NextBytes(image.AsSpan(at, count));
                text.Add($"overwrite {count} bytes @{at}");
            }
        }
        return string.Join("; ", text);
    }

    private static ulong InterestingValue(Random random, ulong old, long remaining) => random.Next(12) switch
    {
        0 => 0,
        1 => 1,
        2 => ulong.MaxValue,
        3 => long.MaxValue,
        4 => 1UL << 63,
        5 => uint.MaxValue,
        6 => (ulong)remaining,
        7 => (ulong)remaining + 1,
        8 => old + (ulong)random.Next(1, 1000),     // length inflation
        9 => old * (ulong)random.Next(2, 1 << 20),
        10 => old - 1,
        _ => (ulong)random.NextInt64(),
    };

    private static void Save(byte[] image, List<(int, byte[])> saved, int at, int count) =>
        saved.Add((at, image.AsSpan(at, count).ToArray()));

    /// <summary>After a successful open nothing may fail: read every value and the ends of every tensor.</summary>
    private static unsafe void TouchEverything(GgufFile file, bool deep)
    {
        foreach (GgufMetadataEntry entry in file.Metadata)
        {
            _ = entry.FormatValue();
            if (deep || entry.ArrayLength < 4096) _ = entry.GetValue();
        }
        long sum = 0;
        foreach (GgufTensor t in file.Tensors)
        {
            // Check the bounds before touching, so a reader bug fails with the mutation instead of crashing the run.
            if (t.FileOffset < file.DataOffset || t.ByteSize <= 0 || t.FileOffset + t.ByteSize > file.Length)
                throw new InvalidOperationException($"tensor '{t.Name}' [{t.FileOffset}, +{t.ByteSize}) is outside the data section");
            byte* p = (byte*)t.Pointer;
            sum += p[0] + p[t.ByteSize - 1];
        }
        GC.KeepAlive(sum);
    }
}
