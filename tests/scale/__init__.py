"""The scale-out test: several workers on PostgreSQL, one of them killed."""
