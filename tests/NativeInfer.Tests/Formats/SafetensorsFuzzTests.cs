using System.Buffers.Binary;
using NativeInfer.Formats;

namespace NativeInfer.Tests.Formats;

/// <summary>
/// Seeded mutations of a valid safetensors image (header bytes, the length prefix, truncation):
/// only success — after which every view must lie inside the file — or SafetensorsFormatException.
/// </summary>
public class SafetensorsFuzzTests
{
    [TestCase(31)]
    [TestCase(32)]
    public void Mutations_OnlyEverSucceedOrThrowFormatException(int seed)
    {
        const string header = """
            {"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},
             "b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]},"c":{"dtype":"I64","shape":[1],"data_offsets":[32,40]}}
            """;
        byte[] original = SafetensorsImage.Build(header, new byte[40]);
        var random = new Random(seed);
        int accepted = 0, rejected = 0;
        for (int iteration = 0; iteration < 5000; iteration++)
        {
            byte[] image = (byte[])original.Clone();
            int length = image.Length;
            string mutation;
            switch (random.Next(4))
            {
                case 0:
                    length = random.Next(image.Length);
                    mutation = $"truncate to {length}";
                    break;
                case 1:
                    ulong prefix = random.Next(3) switch { 0 => ulong.MaxValue, 1 => (ulong)random.Next(0, 400), _ => (ulong)random.NextInt64() };
                    BinaryPrimitives.WriteUInt64LittleEndian(image, prefix);
                    mutation = $"header length {prefix}";
                    break;
                default:
                    int at = random.Next(8, image.Length - 40);
                    // Digits and JSON punctuation make mutations that still parse and test the checks after the JSON.
                    byte value = random.Next(2) == 0 ? (byte)random.Next(256) : (byte)"0123456789,[]{}\":-"[random.Next(18)];
                    mutation = $"byte @{at}: {image[at]} -> {value}";
                    image[at] = value;
                    break;
            }
            try
            {
                using SafetensorsFile file = SafetensorsFile.FromMemory(image.AsMemory(0, length));
                foreach (SafetensorsTensor t in file.Tensors)
                    if (t.FileOffset < file.DataOffset || t.FileOffset + t.ByteSize > file.Length)
                        throw new InvalidOperationException($"tensor '{t.Name}' lies outside the data");
                accepted++;
            }
            catch (SafetensorsFormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed} iteration {iteration}: {mutation} threw {e}");
            }
        }
        TestContext.Out.WriteLine($"seed {seed}: {rejected} rejected, {accepted} accepted");
        Assert.That(rejected, Is.GreaterThan(1000));
    }
}
