"""A miniature engine written against the reference runtime (its runtime package is btcore)."""
