"""Reading a request body: capped in size, JSON only, one object, its fields checked by type and length.

Everything a client sends is refused with a :class:`RequestError` (one line, a 4xx status) before any
of it reaches the checker: a body over the cap (413), something other than JSON (415), malformed or
too deeply nested JSON, duplicate keys, NaN, fields that are unknown or of the wrong type (400).
"""

from __future__ import annotations

from typing import Iterable

from starlette.requests import ClientDisconnect, Request

from .errors import RequestError
from .strict_json import strict_loads

__all__ = ["read_json", "fields", "text_field", "MAX_BODY_BYTES", "MAX_ANSWER_CHARACTERS"]

MAX_BODY_BYTES = 16 * 1024
MAX_ANSWER_CHARACTERS = 2000  # the parser's own input limit
MAX_NAME_CHARACTERS = 64


async def read_json(request: Request, *, limit: int = MAX_BODY_BYTES) -> dict[str, object]:
    """The body as a JSON object, read at most ``limit`` bytes far."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise RequestError("send the request as JSON (Content-Type: application/json)", status=415)
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise RequestError("the Content-Length header is not a number")
        if int(declared) > limit:
            raise RequestError(f"the request body is larger than {limit} bytes", status=413)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise RequestError(f"the request body is larger than {limit} bytes", status=413)
            chunks.append(chunk)
    except ClientDisconnect:
        raise RequestError("the client went away before the request was complete") from None
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestError(f"the request body is not UTF-8 (byte {error.start})") from None
    try:
        body = strict_loads(text, RequestError)
    except RequestError as error:
        raise RequestError(f"the request body: {error}") from None
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    return body


def fields(body: dict[str, object], allowed: Iterable[str]) -> None:
    """Refuse fields the endpoint does not know (a typo should not be silently ignored)."""
    known = tuple(allowed)
    unknown = sorted(key[:MAX_NAME_CHARACTERS] for key in body if key not in known)
    if unknown:
        raise RequestError(f"unknown field(s) {', '.join(map(repr, unknown))}; this endpoint takes {', '.join(known)}")


def text_field(body: dict[str, object], key: str, *, limit: int = MAX_NAME_CHARACTERS, required: bool = True, name: bool = True) -> str | None:
    """A string field of at most ``limit`` characters, or None when it is absent (or null) and not required.

    ``name``: a short name — trimmed, without control characters, blank counts as absent; otherwise free
    text (an answer), kept exactly as typed."""
    value = body.get(key)
    if isinstance(value, str) and name:
        value = value.strip() or None
    if value is None:
        if required:
            raise RequestError(f"the field {key!r} is required")
        return None
    if not isinstance(value, str):
        raise RequestError(f"the field {key!r} must be a string")
    if len(value) > limit:
        raise RequestError(f"the field {key!r} is longer than {limit} characters")
    if name and any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise RequestError(f"the field {key!r} contains control characters")
    return value
