namespace Pipeline.Crawler.Fetching;

/// <summary>
/// Per-host values (resilience pipelines, robots rules) for at most a fixed number of hosts, the least recently used
/// dropped first, so a crawl over millions of hosts keeps bounded state. A dropped host starts afresh when it is
/// seen again (its circuit closed, its robots.txt fetched again).
/// </summary>
/// <typeparam name="T">The value kept per host.</typeparam>
public sealed class RecentHostCache<T>
    where T : class
{
    private readonly int _capacity;
    private readonly Dictionary<string, LinkedListNode<(string Host, T Value)>> _nodes = new(StringComparer.OrdinalIgnoreCase);
    private readonly LinkedList<(string Host, T Value)> _recent = new();
    private readonly Lock _gate = new();

    /// <summary>Keeps at most <paramref name="capacity"/> hosts.</summary>
    public RecentHostCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Hosts kept now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _nodes.Count;
            }
        }
    }

    /// <summary>Hosts dropped to keep within the capacity so far.</summary>
    public long Dropped { get; private set; }

    /// <summary>The value of <paramref name="host"/>, made by <paramref name="create"/> (under the cache's lock: keep it cheap) when absent.</summary>
    public T GetOrAdd(string host, Func<string, T> create) => AddOrUpdate(host, create, static (_, existing) => existing);

    /// <summary>
    /// The value of <paramref name="host"/> after <paramref name="update"/> (which may return the value it is given)
    /// or, when absent, <paramref name="create"/>; both run under the cache's lock.
    /// </summary>
    public T AddOrUpdate(string host, Func<string, T> create, Func<string, T, T> update)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(update);
        lock (_gate)
        {
            if (_nodes.TryGetValue(host, out var node))
            {
                node.Value = (host, update(host, node.Value.Value));
                _recent.Remove(node);
                _recent.AddFirst(node);
                return node.Value.Value;
            }

            var value = create(host);
            _nodes[host] = _recent.AddFirst((host, value));
            if (_nodes.Count > _capacity)
            {
                var oldest = _recent.Last!;
                _recent.RemoveLast();
                _nodes.Remove(oldest.Value.Host);
                Dropped++;
            }

            return value;
        }
    }
}
