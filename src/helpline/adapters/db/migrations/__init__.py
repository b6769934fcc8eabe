"""Alembic environment of the platform. Revisions live in ``versions/`` as ``NNNN_<what>.py``."""
