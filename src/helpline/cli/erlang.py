def erlang() -> None:
    """Staffing with Erlang C/A (placeholder)."""
    raise SystemExit("not yet")
