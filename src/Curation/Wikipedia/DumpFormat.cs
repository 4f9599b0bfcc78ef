namespace Pipeline.Curation.Wikipedia;

/// <summary>How a MediaWiki XML dump is stored.</summary>
public enum DumpFormat
{
    /// <summary>Plain XML: one partition.</summary>
    Xml,

    /// <summary>One bzip2 stream (<c>pages-articles.xml.bz2</c>): one partition.</summary>
    Bzip2,

    /// <summary>
    /// Many independent bzip2 streams of about 100 pages each, with an index of their offsets
    /// (<c>pages-articles-multistream.xml.bz2</c> + <c>-index.txt.bz2</c>): split into partitions of whole streams.
    /// </summary>
    MultistreamBzip2,
}
