namespace Sawmill.LogQL.Syntax;

/// <summary>
/// Vector matching of a binary operation. <see cref="On"/> false with empty <see cref="Labels"/> means
/// "match on all labels" (the default). <see cref="Include"/> are the extra labels of group_left/right.
/// </summary>
public sealed record VectorMatching(bool On, EquatableArray<string> Labels, MatchCardinality Cardinality, EquatableArray<string> Include);
