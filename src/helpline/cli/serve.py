"""``helpline serve``: run the web application with uvicorn."""

from __future__ import annotations

import structlog
import typer
import uvicorn

from helpline import gc_tuning
from helpline.config import load_settings
from helpline.logs import configure_logging


def serve(
    host: str | None = typer.Option(None, help="Address to bind (default: HELPLINE_HOST)"),
    port: int | None = typer.Option(None, help="Port (default: HELPLINE_PORT)"),
    reload: bool = typer.Option(False, help="Restart on code changes (development)"),
) -> None:
    """Serve the API, the agent desktop and the metrics endpoint."""
    settings = load_settings()
    configure_logging(settings)
    bind_host = host or settings.host
    bind_port = port or settings.port
    structlog.get_logger("helpline.serve").info(
        "listening", url=f"http://{bind_host}:{bind_port}", docs=f"http://{bind_host}:{bind_port}/docs"
    )
    if settings.telephony == "sip":  # the switch starts with the app; say where phones find it
        structlog.get_logger("helpline.serve").info(
            "sip_listening",
            sip=f"sip:{settings.sip_host}:{settings.sip_port}",
            transports="udp,tcp",
            numbers=sorted(settings.sip_inbound_numbers),
            rtp=f"{settings.rtp_port_min}-{settings.rtp_port_max}",
        )
    import helpline.web.app  # noqa: F401  (loaded now, so that what it holds is frozen below)

    gc_tuning.tune()
    uvicorn.run(
        "helpline.web.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        reload=reload,
        log_config=None,  # keep our structlog set-up
        access_log=False,  # the app logs each request itself
        # no per-message deflate on WebSockets: the events stream sends every frame to every
        # listener, and compressing each per connection cost the server as much CPU as the calls
        # themselves (benchmarks/events_fanout.py: half the calls per second it kept up with)
        ws_per_message_deflate=False,
    )
