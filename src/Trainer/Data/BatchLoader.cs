using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.Sharding.Reading;
using Pipeline.Sharding.Samples;
using Pipeline.Trainer.Tokenization;

namespace Pipeline.Trainer.Data;

/// <summary>
/// Turns the shard stream into this rank's batches on a background task: takes the rank's samples (its row
/// groups, or its slice of each global batch), decodes and resizes the images on several threads, tokenizes the
/// captions, and keeps <see cref="BatchLoaderOptions.Prefetch"/> batches ready. A sample whose image cannot be
/// decoded is logged with its key and URL and replaced by the rank's next sample, so batches keep their size.
/// </summary>
public sealed partial class BatchLoader : IAsyncDisposable
{
    private readonly ShardStreamReader _reader;
    private readonly ClipTokenizer _tokenizer;
    private readonly ImagePreprocessor _images;
    private readonly BatchLoaderOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<TrainingBatch> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _producer;
    private readonly DecodeWorkers _decoders;

    /// <summary>Starts loading from <paramref name="from"/>, or from the beginning.</summary>
    public BatchLoader(ShardStreamReader reader, ClipTokenizer tokenizer, ImagePreprocessor images, BatchLoaderOptions options, LoaderPosition? from, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _reader = reader;
        _tokenizer = tokenizer;
        _images = images;
        _options = options;
        _logger = logger;
        _decoders = new DecodeWorkers(options.DecodeThreads);
        _ready = Channel.CreateBounded<TrainingBatch>(new BoundedChannelOptions(options.Prefetch) { SingleReader = true, SingleWriter = true });
        _producer = Task.Run(() => ProduceAsync(from, _stop.Token));
    }

    /// <summary>The next batch; waits while it is being decoded.</summary>
    /// <exception cref="InvalidOperationException">The shards ran out (a finite number of epochs was read).</exception>
    public async ValueTask<TrainingBatch> NextAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _ready.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"loading training data failed: {e.InnerException.Message}", e.InnerException);
        }
        catch (ChannelClosedException e)
        {
            throw new InvalidOperationException("the shards ran out before training ended", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _producer;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _decoders.Dispose();
    }

    private async Task ProduceAsync(LoaderPosition? from, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            await using var samples = _reader.ReadAsync(from?.Reader, cancellationToken).GetAsyncEnumerator(cancellationToken);
            var offset = from?.Offset ?? 0;
            var local = _options.LocalBatch;
            var context = _tokenizer.ContextLength;
            while (true)
            {
                var images = new float[local * _images.Length];
                var tokens = new long[local * context];
                var filled = 0;
                var skipped = 0;
                while (filled < local)
                {
                    // Take the rank's next candidates, decode them together, repeat for any that failed.
                    var candidates = new List<Sample>(local - filled);
                    while (candidates.Count < local - filled)
                    {
                        if (!await samples.MoveNextAsync())
                        {
                            return;
                        }

                        var mine = _options.Split == DataSplit.RowGroups || (offset / local) == _options.Rank;
                        offset = _options.Split == DataSplit.RowGroups ? 0 : (offset + 1) % _options.GlobalBatch;
                        if (mine)
                        {
                            candidates.Add(samples.Current);
                        }
                    }

                    var decoded = Decode(candidates, images, tokens, filled);
                    filled += decoded;
                    skipped += candidates.Count - decoded;
                }

                // With batch slices, read past the other ranks' samples to the global batch boundary.
                while (offset != 0)
                {
                    if (!await samples.MoveNextAsync())
                    {
                        break;
                    }

                    offset = (offset + 1) % _options.GlobalBatch;
                }

                await _ready.Writer.WriteAsync(new TrainingBatch(images, tokens, local, new LoaderPosition(_reader.SavePosition(), offset), skipped), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            _ready.Writer.TryComplete(failure);
        }
    }

    private int Decode(List<Sample> candidates, float[] images, long[] tokens, int filled)
    {
        // Each candidate decodes straight into its slot; the rare failures are closed up afterwards.
        var length = _images.Length;
        var ok = new bool[candidates.Count];
        _decoders.For(candidates.Count, i =>
        {
            try
            {
                _images.Process(candidates[i].Image, images.AsSpan((filled + i) * length, length));
                ok[i] = true;
            }
            catch (InvalidDataException e)
            {
                LogUndecodable(candidates[i].Key, candidates[i].Url, e.Message);
            }
        });

        var context = _tokenizer.ContextLength;
        var slot = filled;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!ok[i])
            {
                continue;
            }

            if (slot != filled + i)
            {
                images.AsSpan((filled + i) * length, length).CopyTo(images.AsSpan(slot * length, length));
            }

            _tokenizer.Encode(candidates[i].Caption, tokens.AsSpan(slot * context, context));
            slot++;
        }

        return slot - filled;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped sample {Key} ({Url}): {Reason}")]
    private partial void LogUndecodable(string key, string url, string reason);
}
