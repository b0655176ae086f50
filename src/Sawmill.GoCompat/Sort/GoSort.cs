using System.Numerics;

namespace Sawmill.GoCompat;

/// <summary>
/// Go's unstable sorts and heaps, step for step: <c>sort.Sort</c>/<c>sort.Slice</c> (pattern-defeating quicksort,
/// Go 1.19 and later) and <c>container/heap</c>. Where elements compare equal their final order is decided by the
/// algorithm's swaps, so an answer that depends on that order (Loki's <c>topk</c>, <c>sort</c> with ties) is only
/// reproduced by doing the same swaps. <paramref name="less"/> works on the list's current contents.
/// </summary>
public static class GoSort
{
    /// <summary>Go's <c>sort.Sort</c> over <paramref name="items"/> with the comparison <paramref name="less"/>.</summary>
    public static void Sort<T>(IList<T> items, Func<T, T, bool> less)
    {
        var n = items.Count;
        if (n <= 1)
            return;
        new Sorter<T>(items, less).Pdq(0, n, BitLength((uint)n));
    }

    /// <summary>Go's <c>heap.Push</c>: append, then move the element up while it is less than its parent.</summary>
    public static void HeapPush<T>(IList<T> heap, T item, Func<T, T, bool> less)
    {
        heap.Add(item);
        var j = heap.Count - 1;
        while (true)
        {
            var i = (j - 1) / 2;
            if (i == j || !less(heap[j], heap[i]))
                break;
            (heap[i], heap[j]) = (heap[j], heap[i]);
            j = i;
        }
    }

    /// <summary>Go's <c>heap.Pop</c>: the least element (index 0) is swapped to the end, sifted, and removed.</summary>
    public static T HeapPop<T>(IList<T> heap, Func<T, T, bool> less)
    {
        var n = heap.Count - 1;
        (heap[0], heap[n]) = (heap[n], heap[0]);
        Down(heap, 0, n, less);
        var item = heap[n];
        heap.RemoveAt(n);
        return item;
    }

    private static void Down<T>(IList<T> h, int i, int n, Func<T, T, bool> less)
    {
        while (true)
        {
            var j1 = 2 * i + 1;
            if (j1 >= n || j1 < 0)
                break;
            var j = j1;
            if (j1 + 1 < n && less(h[j1 + 1], h[j1]))
                j = j1 + 1;
            if (!less(h[j], h[i]))
                break;
            (h[i], h[j]) = (h[j], h[i]);
            i = j;
        }
    }

    private static int BitLength(uint x) => 32 - BitOperations.LeadingZeroCount(x);

    private enum Hint { Unknown, Increasing, Decreasing }

    private readonly struct Sorter<T>(IList<T> data, Func<T, T, bool> lessItems)
    {
        private bool Less(int i, int j) => lessItems(data[i], data[j]);

        private void Swap(int i, int j) => (data[i], data[j]) = (data[j], data[i]);

        public void Pdq(int a, int b, int limit)
        {
            const int maxInsertion = 12;
            var wasBalanced = true;
            var wasPartitioned = true;
            while (true)
            {
                var length = b - a;
                if (length <= maxInsertion)
                {
                    InsertionSort(a, b);
                    return;
                }
                if (limit == 0)
                {
                    HeapSort(a, b);
                    return;
                }
                if (!wasBalanced)
                {
                    BreakPatterns(a, b);
                    limit--;
                }
                var (pivot, hint) = ChoosePivot(a, b);
                if (hint == Hint.Decreasing)
                {
                    Reverse(a, b);
                    pivot = b - 1 - (pivot - a);
                    hint = Hint.Increasing;
                }
                if (wasBalanced && wasPartitioned && hint == Hint.Increasing && PartialInsertionSort(a, b))
                    return;
                if (a > 0 && !Less(a - 1, pivot))
                {
                    a = PartitionEqual(a, b, pivot);
                    continue;
                }
                var (mid, already) = Partition(a, b, pivot);
                wasPartitioned = already;
                int leftLen = mid - a, rightLen = b - mid;
                var balanceThreshold = length / 8;
                if (leftLen < rightLen)
                {
                    wasBalanced = leftLen >= balanceThreshold;
                    Pdq(a, mid, limit);
                    a = mid + 1;
                }
                else
                {
                    wasBalanced = rightLen >= balanceThreshold;
                    Pdq(mid + 1, b, limit);
                    b = mid;
                }
            }
        }

        private void InsertionSort(int a, int b)
        {
            for (var i = a + 1; i < b; i++)
                for (var j = i; j > a && Less(j, j - 1); j--)
                    Swap(j, j - 1);
        }

        private void SiftDown(int lo, int hi, int first)
        {
            var root = lo;
            while (true)
            {
                var child = 2 * root + 1;
                if (child >= hi)
                    return;
                if (child + 1 < hi && Less(first + child, first + child + 1))
                    child++;
                if (!Less(first + root, first + child))
                    return;
                Swap(first + root, first + child);
                root = child;
            }
        }

        private void HeapSort(int a, int b)
        {
            var first = a;
            var hi = b - a;
            for (var i = (hi - 1) / 2; i >= 0; i--)
                SiftDown(i, hi, first);
            for (var i = hi - 1; i >= 0; i--)
            {
                Swap(first, first + i);
                SiftDown(0, i, first);
            }
        }

        private (int, bool) Partition(int a, int b, int pivot)
        {
            Swap(a, pivot);
            int i = a + 1, j = b - 1;
            while (i <= j && Less(i, a))
                i++;
            while (i <= j && !Less(j, a))
                j--;
            if (i > j)
            {
                Swap(j, a);
                return (j, true);
            }
            Swap(i, j);
            i++;
            j--;
            while (true)
            {
                while (i <= j && Less(i, a))
                    i++;
                while (i <= j && !Less(j, a))
                    j--;
                if (i > j)
                    break;
                Swap(i, j);
                i++;
                j--;
            }
            Swap(j, a);
            return (j, false);
        }

        private int PartitionEqual(int a, int b, int pivot)
        {
            Swap(a, pivot);
            int i = a + 1, j = b - 1;
            while (true)
            {
                while (i <= j && !Less(a, i))
                    i++;
                while (i <= j && Less(a, j))
                    j--;
                if (i > j)
                    break;
                Swap(i, j);
                i++;
                j--;
            }
            return i;
        }

        private bool PartialInsertionSort(int a, int b)
        {
            const int maxSteps = 5, shortestShifting = 50;
            var i = a + 1;
            for (var step = 0; step < maxSteps; step++)
            {
                while (i < b && !Less(i, i - 1))
                    i++;
                if (i == b)
                    return true;
                if (b - a < shortestShifting)
                    return false;
                Swap(i, i - 1);
                if (i - a >= 2)
                    for (var j = i - 1; j >= 1; j--)
                    {
                        if (!Less(j, j - 1))
                            break;
                        Swap(j, j - 1);
                    }
                if (b - i >= 2)
                    for (var j = i + 1; j < b; j++)
                    {
                        if (!Less(j, j - 1))
                            break;
                        Swap(j, j - 1);
                    }
            }
            return false;
        }

        private void BreakPatterns(int a, int b)
        {
            var length = b - a;
            if (length < 8)
                return;
            var random = (ulong)length;
            var modulus = 1u << BitLength((uint)length);
            for (var idx = a + length / 4 * 2 - 1; idx <= a + length / 4 * 2 + 1; idx++)
            {
                random ^= random << 13;
                random ^= random >> 17;
                random ^= random << 5;
                var other = (int)((uint)random & (modulus - 1));
                if (other >= length)
                    other -= length;
                Swap(idx, a + other);
            }
        }

        private (int, Hint) ChoosePivot(int a, int b)
        {
            const int shortestNinther = 50, maxSwaps = 4 * 3;
            var l = b - a;
            var swaps = 0;
            int i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3;
            if (l >= 8)
            {
                if (l >= shortestNinther)
                {
                    i = Median(i - 1, i, i + 1, ref swaps);
                    j = Median(j - 1, j, j + 1, ref swaps);
                    k = Median(k - 1, k, k + 1, ref swaps);
                }
                j = Median(i, j, k, ref swaps);
            }
            return swaps switch
            {
                0 => (j, Hint.Increasing),
                maxSwaps => (j, Hint.Decreasing),
                _ => (j, Hint.Unknown),
            };
        }

        private (int, int) Order2(int a, int b, ref int swaps)
        {
            if (Less(b, a))
            {
                swaps++;
                return (b, a);
            }
            return (a, b);
        }

        private int Median(int a, int b, int c, ref int swaps)
        {
            (a, b) = Order2(a, b, ref swaps);
            (b, c) = Order2(b, c, ref swaps);
            (a, b) = Order2(a, b, ref swaps);
            _ = a;
            _ = c;
            return b;
        }

        private void Reverse(int a, int b)
        {
            for (int i = a, j = b - 1; i < j; i++, j--)
                Swap(i, j);
        }
    }
}
