def serve() -> None:
    """Run the platform (placeholder until the platform lands)."""
    raise SystemExit("not yet")
