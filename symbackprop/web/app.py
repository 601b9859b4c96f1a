"""The ASGI application of ``symbackprop serve``: two pages and the JSON API they call.

Pages: ``/`` (Check: pick a network or load a student's homework, type an answer, see how the checker
reads it, check it) and ``/explore`` (a network's derivation).  API (documented in the README):
``POST /api/check``, ``POST /api/preview``, ``POST /api/network``, ``POST /api/questions``,
``POST /api/explore``, ``GET /api/config``, ``GET /api/health``.

Every parse and check runs in worker processes with a hard time limit: answers on a chosen network in
:class:`~symbackprop.answers.pool.AnswerPool`, answers to homework parts (every kind) by
:func:`symbackprop.homework.check_part` — the function ``symbackprop grade`` uses — in a
:class:`~.part_pool.PartPool`.  Request handlers only validate, wait and reply.  With a database, a check is
recorded before its verdict is sent.
"""

from __future__ import annotations

import functools
import logging
import math
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import AsyncIterator, Callable

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..activations import ACTIVATIONS
from ..answers.conventions import parse_conventions
from ..answers.pool import AnswerPool, CheckOutcome, call_isolated
from ..emit.network_doc import describe_network
from ..errors import DataError, SymbackpropError
from ..homework.parts import PartResult
from ..losses import LOSSES
from .blocks import latex_blocks
from .errors import RequestError
from .explore import EXPLORE_BOUNDS, MACROS, derivation_page
from .networks import DEFAULT_NETWORK, NetworkBounds, NetworkCache, parameter_names, recipe_json, symbol_latex
from .recent import RecentlyUsed
from .ratelimit import RateLimiter
from .requests import MAX_ANSWER_CHARACTERS, MAX_BODY_BYTES, fields, read_json, text_field
from .part_pool import PartPool, warm_parts
from .store import SubmissionStore
from .variants import VariantPart, Variants, load_variants

__all__ = ["Settings", "create_app", "VERDICTS"]

log = logging.getLogger("symbackprop.web")

VERDICTS = ("correct", "agrees_numerically", "partial", "wrong", "syntax_error", "undecided", "error", "missing")
_STATUS_VERDICT = {"wrong": "wrong", "syntax error": "syntax_error", "timeout": "undecided", "error": "error"}
_PART_VERDICT = {"correct": "correct", "partial": "partial", "wrong": "wrong", "undecided": "undecided", "syntax error": "syntax_error",
                 "error": "error", "missing": "missing"}
_ANSWER_FIELDS = ("network", "wrt", "answer", "student", "part", "conventions")
MAX_CONVENTIONS_CHARACTERS = 64
PREVIEW_SHARE = 4  # previews a client may send per check it may send (they are sent while typing)
EXPLORED_PAGES = 64  # Explore pages kept (each at most MAX_PAGE_CHARACTERS of LaTeX), the least recently asked for dropped first


@dataclass(frozen=True)
class Settings:
    """How a server runs.  ``rate_limit``: checks per minute per client (0: no limit); ``time_limit``:
    seconds for an answer's optional checking stages (a worker is killed after twice that plus 5 s)."""

    variants: Path | None = None
    db: Path | None = None
    rate_limit: float = 60.0
    workers: int | None = None
    time_limit: float = 5.0
    explore_time_limit: float = 10.0
    explore: bool | None = None  # None: on, unless variants are given (the page shows model answers)
    bounds: NetworkBounds = field(default_factory=NetworkBounds)
    max_body: int = MAX_BODY_BYTES


class _Services:
    """What the handlers share: the worker pool, networks, variants, the record, the rate limits."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.networks = NetworkCache(settings.bounds)
        self.variants: Variants | None = load_variants(settings.variants, cache=self.networks) if settings.variants else None
        self.explore = settings.explore if settings.explore is not None else self.variants is None
        self.checks = RateLimiter(settings.rate_limit)
        self.previews = RateLimiter(settings.rate_limit * PREVIEW_SHARE)
        self.pool: AnswerPool | None = None
        self.parts: PartPool | None = None
        self.store = SubmissionStore(settings.db) if settings.db else None
        self.explored: RecentlyUsed[tuple, dict] = RecentlyUsed(EXPLORED_PAGES)
        self.exploring = anyio.Semaphore(1)

    def start(self) -> None:
        self.pool = AnswerPool(workers=self.settings.workers, time_limit=self.settings.time_limit)
        _, net = self.networks.get(dict(DEFAULT_NETWORK))
        self.pool.prepare(net)
        if self.variants is not None:
            entries = self.variants.entries()
            self.parts = PartPool(workers=self.settings.workers, time_limit=self.settings.time_limit, warm=lambda: warm_parts(entries))
            self.parts.start()

    @property
    def answers(self) -> AnswerPool:
        """The worker pool (started with the application)."""
        if self.pool is None:
            raise RequestError("the server is still starting; try again in a moment", status=503)
        return self.pool

    @property
    def part_checker(self) -> PartPool:
        """The workers that check homework parts (started with the application, with --variants)."""
        if self.parts is None:
            raise RequestError("the server is still starting; try again in a moment", status=503)
        return self.parts

    def stop(self) -> None:
        if self.parts is not None:
            self.parts.close()
        if self.pool is not None:
            self.pool.close()
        if self.store is not None:
            self.store.close()


# --- helpers -----------------------------------------------------------------------------------------------

def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _limit(limiter: RateLimiter, request: Request) -> None:
    client = _client(request)
    if not limiter.allow(client):
        wait = limiter.retry_after(client)
        raise RequestError(f"too many requests: at most {limiter.per_minute:g} a minute; try again in {wait} s", status=429, headers={"Retry-After": str(wait)})


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _verdict(outcome: CheckOutcome) -> str:
    if outcome.status == "correct":
        return "correct" if outcome.proved else "agrees_numerically"
    if outcome.status == "undecided":  # agreement at random points only: shown as such, never as correct
        return "agrees_numerically"
    return _STATUS_VERDICT.get(outcome.status, "error")


def _outcome_json(outcome: CheckOutcome, names: dict[str, str]) -> dict[str, object]:
    """The API's reply for a checked answer (never the model answer itself)."""
    mistake = outcome.mistake
    example = outcome.counterexample
    return {
        "verdict": _verdict(outcome),
        "message": outcome.feedback,
        "decided_by": outcome.decided_by,
        "proved": outcome.proved,
        "answer_latex": outcome.answer_latex or None,
        "position": outcome.position,
        "notes": list(outcome.notes),
        "mistake": None if mistake is None else {
            "code": mistake.code,
            "label": mistake.label,
            "explanation": mistake.explanation,
            "answer_equals": mistake.form_plain,
            "answer_equals_latex": mistake.form_latex,
            "exact": mistake.exact,
        },
        "counterexample": None if example is None else {
            "values": [{"name": name, "latex": names.get(name, name), "value": _finite(value)} for name, value in example.values.items()],
            "answer": _finite(example.answer_value),
            "answer_note": example.note or ("" if _finite(example.answer_value) is not None else "not a finite number"),
            "expected": _finite(example.expected_value),
            "phi": example.phi,
            "text": example.describe(outcome.parameter) if outcome.parameter else "",
        },
    }


async def _in_thread(function: Callable, *args: object) -> object:
    return await anyio.to_thread.run_sync(function, *args)


async def _work(function: Callable, *args: object) -> object:
    """Run checker work in a thread; a checker that cannot work (its processes will not start) is a 503."""
    try:
        return await _in_thread(function, *args)
    except RequestError:
        raise
    except SymbackpropError as error:
        log.error("the checker failed: %s", error)
        raise RequestError(f"the checker is not available right now ({error}); please try again", status=503) from None


async def _request(request: Request, allowed: tuple[str, ...], limiter: Callable[["_Services"], RateLimiter] | None = None) -> tuple["_Services", dict[str, object]]:
    """The services and the request's JSON body (capped, only ``allowed`` fields), after the rate limit."""
    services: _Services = request.app.state.services
    body = await read_json(request, limit=services.settings.max_body)
    fields(body, allowed)
    if limiter is not None:
        _limit(limiter(services), request)
    return services, body


# --- endpoints --------------------------------------------------------------------------------------------

async def api_health(request: Request) -> Response:
    services: _Services = request.app.state.services
    pool = services.pool.stats() if services.pool else {}
    body: dict[str, object] = {"status": "ok", "version": __version__, "pool": pool, "variants": services.variants is not None}
    if services.parts is not None:
        body["parts"] = services.parts.stats()
    if services.store is not None:
        body["recorded"] = await _in_thread(services.store.count)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def api_config(request: Request) -> Response:
    services: _Services = request.app.state.services
    settings = services.settings

    def bounds(value: NetworkBounds) -> dict[str, int]:
        return {"max_layers": value.max_layers, "max_width": value.max_width, "max_parameters": value.max_parameters}

    return JSONResponse(
        {
            "version": __version__,
            "variants": services.variants is not None,
            "explore": services.explore,
            "recording": settings.db is not None,
            "rate_limit": settings.rate_limit,
            "bounds": bounds(settings.bounds),
            "explore_bounds": bounds(EXPLORE_BOUNDS),
            "activations": sorted(ACTIVATIONS),
            "outputs": ["softmax", *sorted(ACTIVATIONS)],
            "losses": sorted(LOSSES),
            "default_network": dict(DEFAULT_NETWORK),
            "max_answer": MAX_ANSWER_CHARACTERS,
            "macros": MACROS,
        }
    )


async def api_network(request: Request) -> Response:
    services, body = await _request(request, ("network",))
    recipe, net = services.networks.get(body.get("network"))
    return JSONResponse(
        {
            "network": recipe_json(recipe),
            "describe": net.spec.describe(),
            "description": latex_blocks(describe_network(net)),
            "parameters": [{"name": name, "latex": latex} for name, latex in zip(parameter_names(net), (p.name for p in net.parameters))],
        }
    )


async def api_questions(request: Request) -> Response:
    services, body = await _request(request, ("student",), lambda services: services.checks)
    if services.variants is None:
        raise RequestError("this server was started without --variants: pick a network instead", status=404)
    student = text_field(body, "student")
    parts = services.variants.parts_of(student or "")
    return JSONResponse({"student": student, "recording": services.store is not None, "parts": [part.public() for part in parts]},
                        headers={"Cache-Control": "no-store"})


def _target(services: _Services, body: dict[str, object], *, need_wrt: bool = True):  # noqa: ANN202 - (student, part or None, recipe, net, wrt)
    """What is being answered: a student's homework part, or a network and a parameter (which a
    preview does without)."""
    student = text_field(body, "student", required=False)
    part_name = text_field(body, "part", required=False)
    if part_name is not None:
        if services.variants is None:
            raise RequestError("this server was started without --variants: send a network and wrt instead of a part")
        if student is None:
            raise RequestError("a homework part needs the student id")
        if "network" in body or "wrt" in body:
            raise RequestError("send either a student's part or a network with wrt, not both")
        part = services.variants.part(student, part_name)
        return student, part, part.network, None, part.wrt
    if "conventions" in body:
        raise RequestError("declared conventions apply to homework parts; practice on a network uses the lecture's")
    recipe, net = services.networks.get(body.get("network"))
    wrt = text_field(body, "wrt", required=need_wrt)
    if wrt is not None:
        try:
            net.parameter(wrt)
        except SymbackpropError as error:
            raise RequestError(f"wrt: {error}") from None
    return student, None, recipe, net, wrt


async def api_preview(request: Request) -> Response:
    services, body = await _request(request, _ANSWER_FIELDS, lambda services: services.previews)
    answer = text_field(body, "answer", limit=MAX_ANSWER_CHARACTERS, name=False)
    _, part, _, net, _ = _target(services, body, need_wrt=False)
    if part is not None:
        read = await _work(services.part_checker.read, part.entry, answer)
        return JSONResponse({"ok": read.ok, "latex": read.latex or None, "plain": read.plain or None, "note": read.note or None,
                             "message": read.message or None, "position": read.position, "checked_here": True})
    parsed = await _work(services.answers.parse, net, answer)
    return JSONResponse({"ok": parsed.ok, "latex": parsed.latex or None, "plain": parsed.plain or None, "note": None,
                         "message": parsed.message or None, "position": parsed.position, "checked_here": True})


def _declared(body: dict[str, object]) -> str:
    """The conventions a student declares with an answer (``"half_loss"``, ``["delta_dz"]``), checked by name."""
    value = body.get("conventions")
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(item, str) for item in value) and len(value) <= 4:
        value = "; ".join(value)
    if not isinstance(value, str) or len(value) > MAX_CONVENTIONS_CHARACTERS:
        raise RequestError(f"the field 'conventions' is a short list of convention names (at most {MAX_CONVENTIONS_CHARACTERS} characters)")
    try:
        return "; ".join(parse_conventions(value))
    except SymbackpropError as error:
        raise RequestError(f"conventions: {error}") from None


def part_reply(part: VariantPart, result: PartResult, declared: str) -> dict[str, object]:
    """The API's reply for an answer to a homework part: points, per-entry credit, the named (proved) mistake
    and the feedback of :func:`check_part` with ``reveal=False`` — never the key answer."""
    entries = []
    if result.entries and part.shape:
        share = result.max_points / len(result.entries)
        columns = part.shape[1]
        for index, status in enumerate(result.entries):
            name = part.entry_names[index] if index < len(part.entry_names) else ("", "")
            entries.append({"row": index // columns + 1, "column": index % columns + 1, "name": name[0], "latex": name[1],
                            "status": status, "points": round(share if status == "correct" else 0.0, 4)})
    return {
        "verdict": _PART_VERDICT.get(str(result.status), "error"),
        "part": part.label,
        "kind": part.kind,
        "points": result.points,
        "max_points": result.max_points,
        "message": result.feedback,
        "decided_by": result.decided_by,
        "proved": str(result.status) == "correct",
        "mistake": {"code": result.mistake, "label": result.mistake_label} if result.mistake and result.mistake_label else None,
        "entries": entries,
        "shape": list(part.shape) if part.shape else None,
        "conventions": {"declared": [name for name in declared.split("; ") if name], "read_with": result.convention,
                        "accepted": list(part.conventions)},
        "position": result.position,
        "notes": list(result.notes),
        "answer_latex": None,
        "counterexample": None,
    }


async def _check_part(services: _Services, student: str, part: VariantPart, answer: str, declared: str) -> tuple[dict[str, object], dict[str, object]]:
    """(the reply, what to record) for an answer to a homework part, checked by ``check_part``."""
    if not answer.strip():
        raise RequestError("type an answer first: an empty answer is not checked (nor recorded)")
    previous = None
    before = services.variants.previous(student, part) if services.variants is not None else None
    if before is not None and services.store is not None:  # follow-through, from the student's own recorded answer
        latest = await _in_thread(services.store.latest, student, before.label)
        previous = {"part": dict(before.entry), "answer": latest[0] if latest else None}
    result: PartResult = await _work(functools.partial(services.part_checker.check, part.entry, answer, conventions=declared or None, previous=previous))
    variant = services.variants.students[student].variant if services.variants is not None else None
    record = {"kind": part.kind, "conventions": declared or None, "points": result.points, "max_points": result.max_points,
              "variant": variant or None, "mistake": result.mistake or None}
    return part_reply(part, result, declared), record


async def api_check(request: Request) -> Response:
    services, body = await _request(request, _ANSWER_FIELDS, lambda services: services.checks)
    answer = text_field(body, "answer", limit=MAX_ANSWER_CHARACTERS, name=False)
    student, part, recipe, net, wrt = _target(services, body)
    if part is not None:
        reply, extra = await _check_part(services, student, part, answer, _declared(body))
    else:
        outcome: CheckOutcome = await _work(services.answers.check, net, wrt, answer)
        reply = _outcome_json(outcome, symbol_latex(net))
        extra = {"mistake": outcome.mistake.code if outcome.mistake is not None else None}
    if services.store is not None:
        record = functools.partial(
            services.store.record,
            student=student,
            part=part.label if part is not None else None,
            network=recipe_json(recipe) if recipe is not None else None,
            wrt=wrt,
            answer=answer,
            verdict=str(reply["verdict"]),
            **extra,
        )
        try:
            await _in_thread(record)
        except DataError as error:
            log.error("a check was not recorded: %s", error)
            raise RequestError("your answer could not be recorded (the server's database failed); please try again", status=503) from None
    reply["recorded"] = services.store is not None
    return JSONResponse(reply, headers={"Cache-Control": "no-store"})


async def api_explore(request: Request) -> Response:
    services, body = await _request(request, ("network", "wrt"), lambda services: services.checks)
    if not services.explore:
        raise RequestError("Explore is turned off on this server: it shows worked answers, and homework is being checked here", status=404)
    recipe, net = services.networks.get(body.get("network"), EXPLORE_BOUNDS)
    wrt = text_field(body, "wrt", required=False) or ""
    if wrt:
        try:
            wrt = parameter_names(net)[list(net.parameters).index(net.parameter(wrt))]
        except SymbackpropError as error:
            raise RequestError(f"wrt: {error}") from None
    key = (recipe, wrt)
    page = services.explored.get(key)
    if page is None:
        async with services.exploring:  # one derivation at a time; a page another request just made is taken
            page = services.explored.get(key)
            if page is None:
                derive = functools.partial(call_isolated, net, derivation_page, wrt, time_limit=services.settings.explore_time_limit)
                try:
                    page = await _in_thread(derive)
                except SymbackpropError as error:
                    raise RequestError(str(error), status=422) from None
                page = services.explored.keep(key, page)
    return JSONResponse({**page, "macros": MACROS})


# --- pages, errors, headers ----------------------------------------------------------------------------------

_STATIC = Path(str(resources.files("symbackprop.web") / "static"))


def _page(name: str) -> Callable:
    async def page(request: Request) -> Response:
        return FileResponse(_STATIC / name, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    return page


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestError)
    return JSONResponse({"error": str(error)}, status_code=error.status, headers=error.headers or None)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = {404: "no such page or endpoint", 405: "this endpoint does not take that method"}.get(error.status_code, str(error.detail))
    return JSONResponse({"error": message}, status_code=error.status_code, headers=getattr(error, "headers", None))


async def _server_error(request: Request, error: Exception) -> Response:
    log.exception("internal error while answering %s %s", request.method, request.url.path)
    return JSONResponse({"error": "internal error: the server could not answer this request"}, status_code=500)


_SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
     b"font-src 'self'; connect-src 'self'; media-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds the headers that keep the pages self-contained (no CDN, no inline script, no framing)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(settings: Settings | None = None) -> Starlette:
    """The application; variants are read (and refused if malformed) here, workers start with it."""
    settings = settings or Settings()
    services = _Services(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(services.start)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(services.stop)

    routes = [
        Route("/", _page("check.html")),
        Route("/explore", _page("explore.html")),
        Route("/api/health", api_health, methods=["GET"]),
        Route("/api/config", api_config, methods=["GET"]),
        Route("/api/network", api_network, methods=["POST"]),
        Route("/api/questions", api_questions, methods=["POST"]),
        Route("/api/preview", api_preview, methods=["POST"]),
        Route("/api/check", api_check, methods=["POST"]),
        Route("/api/explore", api_explore, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=_STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={RequestError: _refused, HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.services = services
    app.add_middleware(SecurityHeaders)
    return app
