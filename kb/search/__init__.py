"""Full-text search over published examples (Whoosh): schema, analysis, index, queries."""
