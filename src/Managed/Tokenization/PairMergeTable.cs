using System.Runtime.CompilerServices;

namespace NativeInfer.Tokenization;

/// <summary>
/// BPE merges keyed by the pair of token ids (no string concatenation on the hot path): open
/// addressing with linear probing over a power-of-two table at most half full. Each slot holds the
/// pair as one 64-bit key and, packed in the value, the merge's rank (its line in
/// <c>tokenizer.ggml.merges</c>, lower merges first) and the id of the merged token.
/// </summary>
internal sealed class PairMergeTable
{
    private const ulong Empty = ulong.MaxValue;
    private readonly ulong[] _keys;
    private readonly ulong[] _values;
    private readonly int _mask;
    private readonly int _shift;

    public PairMergeTable(int capacityHint)
    {
        int size = 16;
        while (size < capacityHint * 2) size <<= 1;
        _keys = new ulong[size];
        _values = new ulong[size];
        Array.Fill(_keys, Empty);
        _mask = size - 1;
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)size);
    }

    public int Count { get; private set; }

    /// <summary>Adds a merge unless the pair is already present (the first, lowest rank wins, as in llama.cpp).</summary>
    public bool TryAdd(int left, int right, int rank, int merged)
    {
        ulong key = Pack(left, right);
        int i = Slot(key);
        while (_keys[i] != Empty)
        {
            if (_keys[i] == key) return false;
            i = (i + 1) & _mask;
        }
        _keys[i] = key;
        _values[i] = ((ulong)(uint)rank << 32) | (uint)merged;
        Count++;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(int left, int right, out int rank, out int merged)
    {
        if ((left | right) < 0) // a symbol without a token (and never the empty-slot marker)
        {
            rank = merged = -1;
            return false;
        }
        ulong key = Pack(left, right);
        int i = Slot(key);
        while (true)
        {
            ulong k = _keys[i];
            if (k == key)
            {
                ulong v = _values[i];
                rank = (int)(v >> 32);
                merged = (int)(uint)v;
                return true;
            }
            if (k == Empty)
            {
                rank = merged = -1;
                return false;
            }
            i = (i + 1) & _mask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pack(int left, int right) => ((ulong)(uint)left << 32) | (uint)right;

    // Fibonacci hashing spreads the (small, dense) id pairs over the table.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);
}
