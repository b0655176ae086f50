namespace ChurnApi.Traffic;

/// <summary>The kinds of request the generator mixes.</summary>
internal enum RequestKind
{
    Complete,
    MissingFeatures,
    InvalidFeatures,
    Malformed,
    Health,
}
