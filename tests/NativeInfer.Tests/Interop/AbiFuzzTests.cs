using System.Runtime.InteropServices;
using NativeInfer.Interop;
using NativeInfer.Kernels;

namespace NativeInfer.Tests.Interop;

/// <summary>
/// The managed side of the C ABI fuzz test (native/tests/test_abi_fuzz.cpp runs the full one under the
/// sanitizers): seeded argument tuples for ni_row_size, ni_quantize_rows, ni_matmul and
/// ni_matmul_strided_batched through the interop, over four real 64 KB buffers — small valid sizes,
/// or one to several arguments replaced by boundary values (2^31, 2^32, 2^62, long.MaxValue/MinValue,
/// negatives), random 64-bit values, huge or misaligned strides and pointers, null. The test decides
/// from nativeinfer.h's rules in 128-bit arithmetic whether a tuple is invalid (it must fail, and
/// <see cref="NiException.ThrowIfFailed"/> must turn the status into the exception type of its kind
/// with ni_last_error()'s message), valid and inside the buffers (it must succeed and write nothing
/// outside its output rows) or valid but larger than the buffers (not called: the library cannot know
/// a buffer's size). A failure prints the seed and the iteration.
/// </summary>
[NonParallelizable]
public unsafe class AbiFuzzTests
{
    private const int RegionBytes = 64 * 1024;
    private static readonly Int128 MaxExtent = long.MaxValue;

    private sealed record TypeRule(NiType Type, long Block, long Bytes, int Alignment, bool Weight);

    private static readonly TypeRule[] Types =
    [
        new(NiType.F32, 1, 4, 4, true), new(NiType.F16, 1, 2, 2, true), new(NiType.BF16, 1, 2, 2, true),
        new(NiType.Q4_0, 32, 18, 2, true), new(NiType.Q8_0, 32, 34, 2, true), new(NiType.Q4_K, 256, 144, 2, true),
        new(NiType.Q6_K, 256, 210, 2, true), new(NiType.Q8_K, 256, 292, 4, false),
    ];

    private static readonly long[] Boundaries =
    [
        0, 1, -1, int.MaxValue, (long)int.MaxValue + 1, int.MinValue, 1L << 32, (1L << 32) + 32, 1L << 62, (1L << 62) + 256,
        long.MaxValue, long.MaxValue - 255, long.MinValue, -(1L << 62), 1L << 40,
    ];

    private KernelPool _pool = null!;
    private byte*[] _region = null!;
    private byte[] _pattern = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _pool = KernelPool.Create(2);
        _region = new byte*[4];
        for (int i = 0; i < 4; i++) _region[i] = (byte*)NativeMemory.AlignedAlloc(RegionBytes, 64);
        _pattern = new byte[RegionBytes];
        var fill = new Random(5);
        for (int i = 0; i < RegionBytes; i++) _pattern[i] = (byte)fill.Next(0x40);  // finite f32/f16/bf16 everywhere
    }

    [OneTimeTearDown]
    public void Stop()
    {
        for (int i = 0; i < 4; i++) NativeMemory.AlignedFree(_region[i]);
        _pool.Dispose();
    }

    [TestCase(31)]
    [TestCase(32)]
    public void SizeArguments_FailTypedOrSucceedInsideTheirBuffers(int seed)
    {
        var g = new Generator(seed, _region);
        int invalid = 0, valid = 0, skipped = 0;
        for (int it = 0; it < 2500; it++)
        {
            for (int i = 0; i < 4; i++) _pattern.CopyTo(new Span<byte>(_region[i], RegionBytes));
            g.StartCall();
            Case c = (it % 4) switch
            {
                0 => RowSize(g),
                1 => Quantize(g),
                2 => MatMul(g, batched: false),
                _ => MatMul(g, batched: true),
            };
            string where = $"seed {seed} iteration {it} ({c.Function}{(c.Invalid ? ": " + c.Why : "")})";
            if (!c.Invalid && !c.Fits) { skipped++; continue; }
            byte[][] before = c.Invalid ? [] : Snapshot();
            NiStatus status = c.Call();
            if (c.Invalid)
            {
                invalid++;
                Assert.That(status, Is.Not.EqualTo(NiStatus.Ok), where);
                var e = Assert.Throws(Is.InstanceOf<NiException>(), () => NiException.ThrowIfFailed(status), where);
                Assert.That(e!.Message, Does.StartWith("ni_"), where);
                Assert.That(e.GetType(), Is.Not.EqualTo(typeof(NiException)), $"{where}: {status} must map to its own exception type");
            }
            else
            {
                valid++;
                Assert.That(status, Is.EqualTo(NiStatus.Ok), $"{where}: {NiException.LastErrorMessage()}");
                Assert.That(StrayWrites(before, c.Writes), Is.Zero, $"{where}: bytes written outside the output rows");
            }
        }
        TestContext.Out.WriteLine($"seed {seed}: {invalid} invalid (each failed), {valid} valid (each succeeded), {skipped} larger than the buffers");
        Assert.That(valid, Is.GreaterThan(300), "the generator must reach valid calls, or the test proves little");
        Assert.That(invalid, Is.GreaterThan(300), "the generator must reach invalid calls, or the test proves little");
    }

    // ------------------------------------------------------------------------ the rules

    private sealed class Case
    {
        public string Function = "";
        public bool Invalid;
        public string Why = "";
        public bool Fits;
        public List<(nuint From, nuint To)> Writes = [];
        public Func<NiStatus> Call = () => NiStatus.Ok;

        public void Broken(string rule)
        {
            if (!Invalid) Why = rule;
            Invalid = true;
        }
    }

    /// <summary>A buffer as the rules see it: rows of RowBytes, Stride apart, in Batches BatchStride apart.</summary>
    private struct Operand
    {
        public nuint P;
        public Int128 Rows, Stride, RowBytes, Batches, BatchStride;

        public readonly Int128 Span => Mul(Batches - 1, BatchStride) + Mul(Rows - 1, Stride) + RowBytes;
    }

    // a·b for a, b ≥ 0, saturating far past any valid extent.
    private static Int128 Mul(Int128 a, Int128 b)
    {
        Int128 saturated = Int128.One << 100;
        if (a == 0 || b == 0) return 0;
        return a > saturated / b ? saturated : a * b;
    }

    private static void CheckOperand(Case c, in Operand o, int align, string name)
    {
        if (o.P % (nuint)align != 0) c.Broken($"{name} aligned");
        if (o.Stride > MaxExtent || o.BatchStride > MaxExtent) c.Broken($"{name} strides below 2^63");
        if (o.Stride % align != 0 || o.BatchStride % align != 0) c.Broken($"{name} strides aligned");
        if (o.Stride < o.RowBytes) c.Broken($"{name} stride covers a row");
        if (o.Span > MaxExtent || (Int128)(ulong)o.P + o.Span > ulong.MaxValue) c.Broken($"{name} within the address space");
    }

    private static bool Overlap(in Operand a, in Operand b)
    {
        Int128 pa = (ulong)a.P, pb = (ulong)b.P;
        return pa < pb + b.Span && pb < pa + a.Span;
    }

    private bool Inside(in Operand o)
    {
        for (int i = 0; i < 4; i++)
        {
            Int128 lo = (ulong)(nuint)_region[i];
            if ((ulong)o.P >= lo && (Int128)(ulong)o.P + o.Span <= lo + RegionBytes) return true;
        }
        return false;
    }

    private static void AddRows(Case c, in Operand o)
    {
        for (Int128 b = 0; b < o.Batches; b++)
            for (Int128 r = 0; r < o.Rows; r++)
            {
                nuint at = o.P + (nuint)(ulong)(b * o.BatchStride + r * o.Stride);
                c.Writes.Add((at, at + (nuint)(ulong)o.RowBytes));
            }
    }

    private Case RowSize(Generator g)
    {
        TypeRule? t = g.Type(out int id);
        long n = g.Count(t?.Block ?? 32, 8);
        var c = new Case { Function = "ni_row_size", Fits = true };
        if (t is null) c.Broken("known type");
        if (n <= 0) c.Broken("n_cols > 0");
        else if (t is not null && n % t.Block != 0) c.Broken("block multiple");
        else if (t is not null && (Int128)(n / t.Block) * t.Bytes > MaxExtent) c.Broken("row below 2^63");
        c.Call = () =>
        {
            nuint bytes = 0;
            NiStatus st = NativeMethods.RowSize(id, n, &bytes);
            if (st == NiStatus.Ok && t is not null) Assert.That((Int128)(ulong)bytes, Is.EqualTo((Int128)(n / t.Block) * t.Bytes), $"ni_row_size({t.Type}, {n})");
            return st;
        };
        return c;
    }

    private Case Quantize(Generator g)
    {
        TypeRule? t = g.Type(out int id);
        long rows = g.Count(1, 5), cols = g.Count(t?.Block ?? 32, 3);
        var c = new Case { Function = "ni_quantize_rows" };
        if (t is null) c.Broken("known type");
        if (rows <= 0) c.Broken("n_rows > 0");
        if (cols <= 0) c.Broken("n_cols > 0");
        else if (t is not null && cols % t.Block != 0) c.Broken("block multiple");
        Int128 colsPos = cols > 0 ? cols : 0;
        Int128 qRow = t is null ? 0 : colsPos / t.Block * t.Bytes, fRow = colsPos * 4;
        if (qRow > MaxExtent || fRow > MaxExtent) c.Broken("rows below 2^63");
        int align = t?.Alignment ?? 1;
        var src = new Operand { Rows = rows > 0 ? rows : 1, RowBytes = fRow, Batches = 1 };
        var dst = new Operand { Rows = src.Rows, RowBytes = qRow, Batches = 1 };
        src.P = g.Pointer(4, output: false);
        dst.P = g.Pointer(align, output: true);
        src.Stride = g.Stride(src.RowBytes, 4);
        dst.Stride = g.Stride(dst.RowBytes, align);
        if (src.P == 0 || dst.P == 0) c.Broken("non-null");
        if (!c.Invalid)
        {
            CheckOperand(c, src, 4, "src");
            CheckOperand(c, dst, align, "dst");
            if (!c.Invalid && Overlap(src, dst)) c.Broken("disjoint");
        }
        c.Fits = !c.Invalid && Inside(src) && Inside(dst);
        if (c.Fits) AddRows(c, dst);
        nuint sp = src.P, dp = dst.P, ss = (nuint)(ulong)src.Stride, ds = (nuint)(ulong)dst.Stride;
        c.Call = () => NativeMethods.QuantizeRows(_pool.Handle, id, (void*)dp, ds, (float*)sp, ss, rows, cols);
        return c;
    }

    private Case MatMul(Generator g, bool batched)
    {
        TypeRule? t = g.Type(out int id);
        int mode = batched && g.Wild() ? (int)g.Boundary() : batched ? g.Next(2) : 0;
        long batch = batched ? g.Count(1, 3) : 1, n = g.Count(1, 4), m = g.Count(1, 5), k = g.Count(t?.Block ?? 32, 3);
        var c = new Case { Function = batched ? "ni_matmul_strided_batched" : "ni_matmul" };
        if (mode is not (0 or 1)) c.Broken("known mode");
        if (batch <= 0 || n <= 0 || m <= 0) c.Broken("counts > 0");
        if (t is null || !t.Weight) c.Broken("weight type");
        if (k <= 0) c.Broken("k > 0");
        else if (t is not null && k % t.Block != 0) c.Broken("block multiple");
        Int128 kk = k > 0 ? k : 0, mm = m > 0 ? m : 0;
        Int128 wRow = t is null ? 0 : kk / t.Block * t.Bytes;
        if (wRow > MaxExtent || kk * 4 > MaxExtent || mm * 4 > MaxExtent) c.Broken("rows below 2^63");
        bool rowsMode = mode == 1;
        int align = t?.Alignment ?? 1;
        Int128 batches = batch > 0 ? batch : 1, tokens = n > 0 ? n : 1;
        var w = new Operand { Rows = mm > 0 ? mm : 1, RowBytes = wRow, Batches = batches };
        var x = new Operand { Rows = tokens, RowBytes = (rowsMode ? mm : kk) * 4, Batches = batches };
        var y = new Operand { Rows = tokens, RowBytes = (rowsMode ? kk : mm) * 4, Batches = batches };
        w.P = g.Pointer(align, output: false);
        x.P = g.Pointer(4, output: false);
        y.P = g.Pointer(4, output: true);
        w.Stride = g.Stride(w.RowBytes, align);
        x.Stride = g.Stride(x.RowBytes, 4);
        y.Stride = g.Stride(y.RowBytes, 4);
        if (batched)
        {
            w.BatchStride = g.Chance(20) ? 0 : g.Stride(w.Span, align);
            x.BatchStride = g.Chance(20) ? 0 : g.Stride(x.Span, 4);
            y.BatchStride = g.Chance(10) ? 0 : g.Stride(y.Span, 4);
        }
        if (w.P == 0 || x.P == 0 || y.P == 0) c.Broken("non-null");
        if (!c.Invalid)
        {
            CheckOperand(c, w, align, "w");
            CheckOperand(c, x, 4, "x");
            CheckOperand(c, y, 4, "y");
            if (!c.Invalid && (Overlap(y, x) || Overlap(y, w))) c.Broken("y disjoint");
            if (batch > 1 && y.BatchStride < y.RowBytes) c.Broken("batches of y apart");
        }
        c.Fits = !c.Invalid && Inside(w) && Inside(x) && Inside(y);
        if (c.Fits) AddRows(c, y);
        nuint wp = w.P, xp = x.P, yp = y.P;
        nuint ws = (nuint)(ulong)w.Stride, xs = (nuint)(ulong)x.Stride, ys = (nuint)(ulong)y.Stride;
        nuint wb = (nuint)(ulong)w.BatchStride, xb = (nuint)(ulong)x.BatchStride, yb = (nuint)(ulong)y.BatchStride;
        c.Call = batched
            ? () => NativeMethods.MatMulStridedBatched(_pool.Handle, mode, id, (void*)wp, ws, wb, (float*)xp, xs, xb, (float*)yp, ys, yb, batch, n, m, k)
            : () => NativeMethods.MatMul(_pool.Handle, id, (void*)wp, ws, (float*)xp, xs, (float*)yp, ys, n, m, k);
        return c;
    }

    // ------------------------------------------------------------------- output bookkeeping

    private byte[][] Snapshot()
    {
        var copy = new byte[4][];
        for (int i = 0; i < 4; i++) copy[i] = new ReadOnlySpan<byte>(_region[i], RegionBytes).ToArray();
        return copy;
    }

    private int StrayWrites(byte[][] before, List<(nuint From, nuint To)> allowed)
    {
        int stray = 0;
        for (int i = 0; i < 4; i++)
        {
            var now = new ReadOnlySpan<byte>(_region[i], RegionBytes);
            if (now.SequenceEqual(before[i])) continue;
            for (int j = 0; j < RegionBytes; j++)
            {
                if (now[j] == before[i][j]) continue;
                nuint at = (nuint)_region[i] + (nuint)j;
                bool ok = false;
                foreach (var (from, to) in allowed) ok |= at >= from && at < to;
                if (!ok) stray++;
            }
        }
        return stray;
    }

    // ---------------------------------------------------------------------- the generator

    /// <summary>
    /// Each call is clean (small valid counts, exact or padded strides, aligned pointers, outputs in
    /// their own buffer), clean with some wild arguments, or wild throughout.
    /// </summary>
    private sealed class Generator(int seed, byte*[] region)
    {
        private readonly Random _r = new(seed);
        private int _wildPercent;

        public void StartCall() => _wildPercent = new[] { 0, 0, 5, 15, 100 }[_r.Next(5)];
        public bool Wild() => _r.Next(100) < _wildPercent;
        public bool Chance(int percent) => _r.Next(100) < percent;
        public int Next(int n) => _r.Next(n);
        public long Boundary() => Boundaries[_r.Next(Boundaries.Length)];

        public TypeRule? Type(out int id)
        {
            if (!Wild() || Chance(80))
            {
                TypeRule t = Types[_r.Next(Types.Length)];
                id = (int)t.Type;
                return t;
            }
            id = _r.Next(-5, 300);
            int known = id;
            TypeRule? rule = Types.FirstOrDefault(t => (int)t.Type == known);
            if (rule is null)
            {
                NiTypeInfo info;
                if (NativeMethods.TypeGetInfo(id, &info) == NiStatus.Ok)
                {
                    // A format these rules do not describe (added later): use a known one instead.
                    rule = Types[0];
                    id = (int)rule.Type;
                }
            }
            return rule;
        }

        public long Count(long unit, int most)
        {
            if (!Wild()) return unit * (1 + _r.Next(most));
            return _r.Next(4) switch
            {
                0 => 1 + _r.Next(40),
                1 => Boundary(),
                2 => Boundary() / unit * unit,
                _ => _r.NextInt64(long.MinValue, long.MaxValue) >> _r.Next(64),
            };
        }

        public nuint Stride(Int128 rowBytes, int align)
        {
            bool representable = rowBytes >= 0 && rowBytes <= ulong.MaxValue / 2;
            if (!Wild() && representable) return (nuint)(ulong)rowBytes + (nuint)(align * _r.Next(3));
            return _r.Next(4) switch
            {
                0 when representable => (nuint)(ulong)rowBytes + 1,
                1 when representable && rowBytes >= align => (nuint)(ulong)rowBytes - (nuint)align,
                2 => (nuint)(ulong)Boundary(),
                _ => (nuint)((ulong)_r.NextInt64() << _r.Next(2)),
            };
        }

        public nuint Pointer(int align, bool output)
        {
            if (!Wild()) return (nuint)region[output ? 3 : _r.Next(3)] + (nuint)(align * _r.Next(16));
            int k = _r.Next(100);
            if (k < 20) return 0;
            if (k < 35) return unchecked((nuint)(ulong.MaxValue - 4095)) & ~(nuint)63;
            nuint baseAt = (nuint)region[_r.Next(4)];
            return k < 70 ? baseAt + (nuint)(align * _r.Next(64) + 1 + _r.Next(3)) : baseAt + (nuint)(align * _r.Next(RegionBytes / align));
        }
    }
}
