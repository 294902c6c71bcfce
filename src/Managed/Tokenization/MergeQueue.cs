namespace NativeInfer.Tokenization;

/// <summary>
/// Binary min-heap of merge candidates by <see cref="MergeCandidate.Key"/>. Stale candidates are not
/// removed when a neighbour merges; the merge loops check them when popped (lazy deletion), which
/// keeps each word O(n log n) instead of rescanning all pairs after every merge.
/// </summary>
internal sealed class MergeQueue
{
    private MergeCandidate[] _heap = new MergeCandidate[64];
    private int _count;

    public int Count => _count;

    public void Clear() => _count = 0;

    public void Push(in MergeCandidate item)
    {
        if (_count == _heap.Length) System.Array.Resize(ref _heap, _count * 2);
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (_heap[parent].Key <= item.Key) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = item;
    }

    public MergeCandidate Pop()
    {
        MergeCandidate top = _heap[0];
        MergeCandidate last = _heap[--_count];
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _count) break;
            if (child + 1 < _count && _heap[child + 1].Key < _heap[child].Key) child++;
            if (last.Key <= _heap[child].Key) break;
            _heap[i] = _heap[child];
            i = child;
        }
        if (_count > 0) _heap[i] = last;
        return top;
    }
}
