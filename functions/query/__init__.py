"""The contacts read model on PostgreSQL: migrations, the stream projector, list/search queries."""
