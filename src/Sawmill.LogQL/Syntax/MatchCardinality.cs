namespace Sawmill.LogQL.Syntax;

/// <summary>Cardinality of a vector match: one-to-one, group_left (many-to-one), group_right (one-to-many).</summary>
public enum MatchCardinality
{
    OneToOne,
    ManyToOne,
    OneToMany,
}
