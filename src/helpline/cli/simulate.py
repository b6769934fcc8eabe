def simulate() -> None:
    """Simulate traffic (placeholder)."""
    raise SystemExit("not yet")
