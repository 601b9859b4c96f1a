"""What a request did wrong, as an HTTP status and one line of text (never a traceback)."""

from __future__ import annotations

from typing import Mapping

from ..errors import DataError

__all__ = ["RequestError"]


class RequestError(DataError):
    """A request the server refuses: ``status`` is the HTTP status (400 unless said otherwise)."""

    def __init__(self, message: str, *, status: int = 400, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(" ".join(str(message).split()))
        self.status = status
        self.headers = dict(headers or {})
