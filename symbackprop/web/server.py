"""Run the application under uvicorn and say where it is."""

from __future__ import annotations

import sys
from typing import TextIO

import uvicorn

from ..errors import SymbackpropError
from .app import Settings, create_app

__all__ = ["serve"]


class _Server(uvicorn.Server):
    """uvicorn's server, printing the address once it listens (the real port, also for --port 0)."""

    def __init__(self, config: uvicorn.Config, out: TextIO) -> None:
        super().__init__(config)
        self._out = out

    async def startup(self, sockets: list | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.started:
            return
        for server in self.servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                shown = f"[{host}]" if ":" in host else host
                print(f"symbackprop serve: http://{shown}:{port}/  (Explore: http://{shown}:{port}/explore; Ctrl-C stops)", file=self._out, flush=True)


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, out: TextIO = sys.stdout) -> int:
    """Serve until interrupted; returns the exit status.  Variants and the database are checked first."""
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        limit_concurrency=512,
        timeout_keep_alive=10,
        server_header=False,
    )
    server = _Server(config, out)
    server.run()
    if not server.started:
        raise SymbackpropError(f"the server did not start on {host}:{port} (see the message above)")
    return 0
