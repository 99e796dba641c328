"""Persistence: engine and sessions, models, envelope encryption, repositories, migrations."""
