using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Pipeline.Sharding.Storage;

/// <summary>
/// Writes a block blob as staged blocks (one uploading while the next fills) and publishes it with a single
/// block-list commit. Until then nothing is visible; abandoned blocks are garbage-collected by the service.
/// </summary>
internal sealed class BlobStagedWrite : IStagedWrite
{
    private readonly BlockBlobClient _blob;
    private readonly BlockStream _stream;

    public BlobStagedWrite(string path, BlockBlobClient blob, int blockSize)
    {
        Path = path;
        _blob = blob;
        _stream = new BlockStream(blob, blockSize);
    }

    public string Path { get; }

    public Stream Stream => _stream;

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        var blocks = await _stream.FinishAsync(cancellationToken);
        // IfNoneMatch: a path is published once, as on a local folder.
        var options = new CommitBlockListOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
        await _blob.CommitBlockListAsync(blocks, options, cancellationToken);
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    /// <summary>Buffers writes into blocks and stages each full block while the next one fills.</summary>
    private sealed class BlockStream(BlockBlobClient blob, int blockSize) : ForwardOnlyWriteStream
    {
        private readonly List<string> _blockIds = [];
        private byte[] _buffer = new byte[blockSize];
        private byte[] _spare = new byte[blockSize];
        private int _filled;
        private Task _uploading = Task.CompletedTask;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                var take = Math.Min(buffer.Length, _buffer.Length - _filled);
                buffer[..take].CopyTo(_buffer.AsSpan(_filled));
                _filled += take;
                Written += take;
                buffer = buffer[take..];
                if (_filled == _buffer.Length)
                {
                    // Callers that write synchronously block only while the previous block is still uploading.
                    StageFullBlockAsync(CancellationToken.None).GetAwaiter().GetResult();
                }
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (!buffer.IsEmpty)
            {
                var take = Math.Min(buffer.Length, _buffer.Length - _filled);
                buffer[..take].CopyTo(_buffer.AsMemory(_filled));
                _filled += take;
                Written += take;
                buffer = buffer[take..];
                if (_filled == _buffer.Length)
                {
                    await StageFullBlockAsync(cancellationToken);
                }
            }
        }

        public async Task<IReadOnlyList<string>> FinishAsync(CancellationToken cancellationToken)
        {
            if (_filled > 0)
            {
                await StageFullBlockAsync(cancellationToken);
            }

            await _uploading;
            return _blockIds;
        }

        private async Task StageFullBlockAsync(CancellationToken cancellationToken)
        {
            await _uploading;
            // Block ids must all have the same length within a blob.
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"block-{_blockIds.Count:D8}"));
            _blockIds.Add(id);
            var content = new MemoryStream(_buffer, 0, _filled, writable: false);
            (_buffer, _spare) = (_spare, _buffer);
            _filled = 0;
            _uploading = blob.StageBlockAsync(id, content, cancellationToken: cancellationToken);
        }

        public override void Flush()
        {
        }

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await _uploading;
            }
            catch (RequestFailedException)
            {
                // Abandoned: the staged blocks are never committed, so a failed upload changes nothing.
            }

            await base.DisposeAsync();
        }
    }
}
