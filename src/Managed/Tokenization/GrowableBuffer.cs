using System.Runtime.CompilerServices;

namespace NativeInfer.Tokenization;

/// <summary>
/// A reusable append-only buffer: encode scratch keeps one per purpose so steady-state encoding
/// allocates nothing (the array only grows, never shrinks).
/// </summary>
internal sealed class GrowableBuffer<T>(int capacity = 64)
{
    private T[] _items = new T[Math.Max(capacity, 4)];

    public int Count { get; private set; }

    public Span<T> Span => _items.AsSpan(0, Count);

    public T[] Array => _items;

    public ref T this[int index] => ref _items[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T item)
    {
        if (Count == _items.Length) Grow(Count + 1);
        _items[Count++] = item;
    }

    public void Clear() => Count = 0;

    /// <summary>Makes room for <paramref name="count"/> items and sets Count to it; contents are undefined.</summary>
    public Span<T> Resize(int count)
    {
        if (count > _items.Length) Grow(count);
        Count = count;
        return _items.AsSpan(0, count);
    }

    private void Grow(int needed)
    {
        var bigger = new T[Math.Max(needed, _items.Length * 2)];
        _items.AsSpan(0, Count).CopyTo(bigger);
        _items = bigger;
    }
}
