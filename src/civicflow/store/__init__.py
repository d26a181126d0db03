"""Durable state on SQLite or PostgreSQL through SQLAlchemy Core."""
