using NativeInfer.Gpu.Decode;
using NativeInfer.Injection;
using NativeInfer.Models.Modules;
using NativeInfer.Runtime;
using NativeInfer.Tensors;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// What InferenceSession keeps doing when a GPU backend runs its passes: the input checks, the capacity, the
/// non-finite logits check (with the position, and no layer it cannot know), and leaving the device cache as it was
/// after a failed call. The backend plans as <see cref="GpuDecodeBackend"/> does; its decoder is a stand-in that
/// records what it is asked and returns NaN logits from a chosen position on.
/// </summary>
[Category("GpuEmulated")]
public class GpuSessionRoutingTests
{
    private sealed class RecordingBackend(int nanFrom) : IGpuBackend
    {
        private readonly GpuDecodeBackend _placement = new(emulate: true);
        public RecordingDecoder? Decoder { get; private set; }
        public string Name => _placement.Name;
        public bool PrefillRunsAsDecode => _placement.PrefillRunsAsDecode;
        public (bool Available, string Reason) Probe(Device device) => _placement.Probe(device);
        public string? WhyNot(Module module, OperatorDescriptor? op) => _placement.WhyNot(module, op);
        public void CheckPlan(InjectionPlan plan) => _placement.CheckPlan(plan);
        public IDeviceDecoder Open(InferenceModel model, SessionOptions options) => Decoder = new RecordingDecoder(options.ContextLength, nanFrom);
    }

    private sealed class RecordingDecoder(int capacity, int nanFrom) : IDeviceDecoder
    {
        public string DeviceDescription => "recording";
        public int Length { get; private set; }
        public int Capacity => capacity;
        public int Calls { get; private set; }

        public void Forward(ReadOnlySpan<int> tokens, Span<float> logits)
        {
            Calls++;
            Length += tokens.Length;
            logits.Fill(Length - 1 >= nanFrom ? float.NaN : 0.5f);
        }

        public void Truncate(int length) => Length = length;
        public void Dispose() { }
    }

    private static (InferenceModel Model, RecordingBackend Backend) Load(int nanFrom)
    {
        var backend = new RecordingBackend(nanFrom);
        var model = InferenceModel.Load(RepoPaths.RequireTestData("models/tiny-deepseek3-f32.gguf"), new ModelOptions
        {
            RulesPath = RepoPaths.RequireTestData("rules/ktransformers-2026/DeepSeek-V3-Chat.yaml"),
            Gpu = backend,
            Injection = new InjectionOptions { DefaultDevice = new Device(DeviceKind.Cuda, 0) },
        });
        return (model, backend);
    }

    [Test]
    public void BadInput_IsRefusedBeforeTheDevice_AndCapacityIsTheDevicesCache()
    {
        var (model, backend) = Load(nanFrom: int.MaxValue);
        using (model)
        {
            using InferenceSession s = model.CreateSession(new SessionOptions { Threads = 1, ContextLength = 4 });
            var logits = new float[s.VocabSize * 4];
            Assert.That((s.Capacity, s.GpuDescription), Is.EqualTo((4, "recording")));
            Assert.Throws<ArgumentOutOfRangeException>(() => s.Forward([1, s.VocabSize], logits));
            Assert.Throws<ContextLengthExceededException>(() => s.Forward([1, 2, 3, 4, 5], logits));
            Assert.That(backend.Decoder!.Calls, Is.Zero, "nothing reached the device");

            s.ForwardAll([1, 2, 3], logits);
            Assert.That((s.Length, backend.Decoder.Calls), Is.EqualTo((3, 3)), "one decode step per token");
            s.Truncate(1);
            Assert.That(backend.Decoder.Length, Is.EqualTo(1));
            s.Reset();
            Assert.That(backend.Decoder.Length, Is.Zero);
        }
    }

    [Test]
    public void NonFiniteLogits_NamePosition_AndLeaveTheCacheAsItWas()
    {
        var (model, backend) = Load(nanFrom: 2);
        using (model)
        {
            using InferenceSession s = model.CreateSession(new SessionOptions { Threads = 1, ContextLength = 8 });
            var logits = new float[s.VocabSize * 4];
            s.Forward([5, 6], logits);
            var e = Assert.Throws<NonFiniteLogitsException>(() => s.ForwardAll([7, 8], logits))!;
            Assert.That((e.Position, e.Token, e.Layer, e.Stage), Is.EqualTo((2, 7, (int?)null, (int?)null)));
            Assert.That(e.Message, Does.Contain("ran on the GPU"));
            Assert.That((s.Length, backend.Decoder!.Length), Is.EqualTo((2, 2)), "the failed call was rolled back on the device");
        }
    }
}
