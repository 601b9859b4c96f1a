"""The ASGI application of ``symbackprop serve``: two pages and the JSON API they call.

Pages: ``/`` (Check: pick a network or load a student's homework, type an answer, see how the checker
reads it, check it) and ``/explore`` (a network's derivation).  API (documented in the README):
``POST /api/check``, ``POST /api/preview``, ``POST /api/network``, ``POST /api/questions``,
``POST /api/explore``, ``GET /api/config``, ``GET /api/health``.

Every parse and check runs in the checker's worker processes (:class:`~symbackprop.answers.pool.
AnswerPool`); request handlers only validate, wait and reply.  With a database, a check is recorded
before its verdict is sent.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
from collections import OrderedDict
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
from ..answers.pool import AnswerPool, CheckOutcome, call_isolated
from ..emit.network_doc import describe_network
from ..errors import DataError, SymbackpropError
from ..losses import LOSSES
from .blocks import latex_blocks
from .errors import RequestError
from .explore import EXPLORE_BOUNDS, MACROS, derivation_page
from .networks import DEFAULT_NETWORK, NetworkBounds, NetworkCache, parameter_names, recipe_json, symbol_latex
from .ratelimit import RateLimiter
from .requests import MAX_ANSWER_CHARACTERS, MAX_BODY_BYTES, fields, read_json, text_field
from .store import SubmissionStore
from .variants import Variants, check_variant_part, load_variants

__all__ = ["Settings", "create_app", "VERDICTS"]

log = logging.getLogger("symbackprop.web")

VERDICTS = ("correct", "agrees_numerically", "wrong", "syntax_error", "undecided", "error", "not_checked")
_STATUS_VERDICT = {"wrong": "wrong", "syntax error": "syntax_error", "timeout": "undecided", "error": "error"}
_ANSWER_FIELDS = ("network", "wrt", "answer", "student", "part")
PREVIEW_SHARE = 4  # previews a client may send per check it may send (they are sent while typing)


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
        self.store = SubmissionStore(settings.db) if settings.db else None
        self.explored: OrderedDict[tuple, dict] = OrderedDict()
        self.explored_lock = threading.Lock()
        self.exploring = anyio.Semaphore(1)

    def start(self) -> None:
        self.pool = AnswerPool(workers=self.settings.workers, time_limit=self.settings.time_limit)
        first = self.variants.networks()[:1] if self.variants else []
        for recipe in first or [None]:
            _, net = self.networks.get(recipe_json(recipe) if recipe else dict(DEFAULT_NETWORK))
            self.pool.prepare(net)

    @property
    def answers(self) -> AnswerPool:
        """The worker pool (started with the application)."""
        if self.pool is None:
            raise RequestError("the server is still starting; try again in a moment", status=503)
        return self.pool

    def stop(self) -> None:
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
    parts = services.variants.students.get(student or "")
    if parts is None:
        raise RequestError("no homework variant for this student id", status=404)
    return JSONResponse({"student": student, "parts": [part.public() for part in parts]}, headers={"Cache-Control": "no-store"})


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
        net = services.networks.get(recipe_json(part.network))[1] if part.network is not None else None
        return student, part, part.network, net, part.wrt
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
    if part is not None and not part.checked_here:
        return JSONResponse({"ok": False, "latex": None, "plain": None, "message": "answers to this part are read by symbackprop grade; there is no preview here", "position": None, "checked_here": False})
    parsed = await _work(services.answers.parse, net, answer)
    return JSONResponse({"ok": parsed.ok, "latex": parsed.latex or None, "plain": parsed.plain or None, "message": parsed.message or None, "position": parsed.position, "checked_here": True})


async def api_check(request: Request) -> Response:
    services, body = await _request(request, _ANSWER_FIELDS, lambda services: services.checks)
    answer = text_field(body, "answer", limit=MAX_ANSWER_CHARACTERS, name=False)
    student, part, recipe, net, wrt = _target(services, body)
    if part is not None:
        outcome = await _work(check_variant_part, services.answers, services.networks, part, answer)
    else:
        outcome = await _work(services.answers.check, net, wrt, answer)
    if outcome is None:
        reply: dict[str, object] = {
            "verdict": "not_checked",
            "message": "This part is checked by symbackprop grade, not on this page.",
            "decided_by": "", "proved": False, "answer_latex": None, "position": None, "notes": [], "mistake": None, "counterexample": None,
        }
    else:
        reply = _outcome_json(outcome, symbol_latex(net))
        if part is not None and part.conventions:
            reply["notes"] = [*reply["notes"], (
                "checked here with the lecture's conventions (e = Σ_j (y_j − a^L_j)², δ = ∂e/∂a); the homework also accepts: "
                + ", ".join(part.conventions))]
    if services.store is not None:
        record = functools.partial(
            services.store.record,
            student=student,
            part=part.part if part is not None else None,
            network=recipe_json(recipe) if recipe is not None else None,
            wrt=wrt,
            answer=answer,
            verdict=str(reply["verdict"]),
            mistake=outcome.mistake.code if outcome is not None and outcome.mistake is not None else None,
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
    with services.explored_lock:
        page = services.explored.get(key)
    if page is None:
        async with services.exploring:
            with services.explored_lock:
                page = services.explored.get(key)
            if page is None:
                derive = functools.partial(call_isolated, net, derivation_page, wrt, time_limit=services.settings.explore_time_limit)
                try:
                    page = await _in_thread(derive)
                except SymbackpropError as error:
                    raise RequestError(str(error), status=422) from None
                with services.explored_lock:
                    services.explored[key] = page
                    while len(services.explored) > 64:
                        services.explored.popitem(last=False)
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
