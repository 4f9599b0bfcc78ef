namespace Pipeline.Curation.Dedup;

/// <summary>Two distinct perceptual hashes within the distance limit: positions in the sorted distinct-hash list, <see cref="A"/> &lt; <see cref="B"/>.</summary>
public readonly record struct NearPair(int A, int B, int Distance);
