"""Whatever a client sends, the server answers with a 4xx and one line, or with a verdict — never a 500,
a traceback, a hang, or executed code."""

from __future__ import annotations

import json
import os

import pytest
from starlette.testclient import TestClient

from symbackprop.web.app import Settings, create_app

from .web_support import NET, RIGHT

ENDPOINTS = ("/api/check", "/api/preview", "/api/network", "/api/explore", "/api/questions")


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(workers=1, rate_limit=0)), raise_server_exceptions=False) as test_client:
        yield test_client


def assert_refused(response, status: int | tuple[int, ...] = 400) -> str:
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, (response.status_code, response.text)
    message = response.json()["error"]
    assert message and "\n" not in message and "Traceback" not in message and len(message) < 400
    return message


GARBAGE = [
    b"",
    b"garbage",
    b"{",
    b'{"answer": "x_1",}',
    b"\xff\xfe\x00\x00",
    b'"just a string"',
    b"[1, 2, 3]",
    b"null",
    b'{"network": NaN}',
    b'{"answer": Infinity}',
    b'{"answer": "a", "answer": "b"}',
    b"[" * 10_000 + b"]" * 10_000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("body", GARBAGE, ids=lambda body: repr(body[:20]))
def test_garbage_bodies_are_refused_with_one_line(client, endpoint, body):
    assert_refused(client.post(endpoint, content=body, headers={"content-type": "application/json"}), (400, 413))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_huge_body_is_refused_before_it_is_read(client, endpoint):
    huge = json.dumps({"network": NET, "wrt": "b^2_1", "answer": "x_1 + " * 100_000}).encode()
    assert "larger than" in assert_refused(client.post(endpoint, content=huge, headers={"content-type": "application/json"}), 413)

    def chunks():  # no Content-Length: the cap applies while reading
        for _ in range(100):
            yield b" " * 1024

    assert_refused(client.post(endpoint, content=chunks(), headers={"content-type": "application/json"}), 413)


def test_other_content_types_and_methods_are_refused(client):
    assert "JSON" in assert_refused(client.post("/api/check", content=b"answer=x_1", headers={"content-type": "application/x-www-form-urlencoded"}), 415)
    assert_refused(client.post("/api/check", content=b"{}", headers={"content-type": "text/plain"}), 415)
    assert_refused(client.get("/api/check"), 405)
    assert_refused(client.get("/api/nothing-here"), 404)
    assert_refused(client.post("/api/check", content=b"{}", headers={"content-type": "application/json", "content-length": "abc"}), 400)


WRONG_TYPES = [
    {"network": NET, "wrt": "b^2_1", "answer": 5},
    {"network": NET, "wrt": "b^2_1", "answer": ["x_1"]},
    {"network": NET, "wrt": "b^2_1", "answer": {"$ne": None}},
    {"network": NET, "wrt": 21, "answer": "x_1"},
    {"network": NET, "wrt": "b^2_1"},
    {"network": NET, "answer": "x_1"},
    {"network": "2,2,1", "wrt": "b^2_1", "answer": "x_1"},
    {"network": {**NET, "sizes": "2,2,1"}, "wrt": "b^2_1", "answer": "x_1"},
    {"network": {**NET, "sizes": [2, 2.5, 1]}, "wrt": "b^2_1", "answer": "x_1"},
    {"network": {**NET, "sizes": [2, -1, 1]}, "wrt": "b^2_1", "answer": "x_1"},
    {"network": {**NET, "sizes": [10**100, 1]}, "wrt": "b^2_1", "answer": "x_1"},
    {"network": {**NET, "activation": ["sigmoid"] * 7}, "wrt": "b^2_1", "answer": "x_1"},
    {"network": {**NET, "activation": None}, "wrt": "b^2_1", "answer": "x_1"},
    {"network": {**NET, "activation": "x" * 10_000}, "wrt": "b^2_1", "answer": "x_1"},
    {"network": {**NET, "loss": 1}, "wrt": "b^2_1", "answer": "x_1"},
    {"network": NET, "wrt": "b^2_1", "answer": "x_1", "student": 7},
    {"network": NET, "wrt": "b^2_1", "answer": "x_1", "student": "a\x00b"},
    {"network": NET, "wrt": "b^2_1", "answer": "x_1", "student": "s" * 65},
    {"network": NET, "wrt": "b^2_1", "answer": "x_1", "part": "1a", "student": "s001"},  # no --variants here
    {"network": NET, "wrt": "b^2_1", "answer": "x_1" * 700},
    {"network": NET, "wrt": "w" * 100, "answer": "x_1"},
    {"network": NET, "wrt": "b^2_1", "answer": "x_1", "extra": True},
]


@pytest.mark.parametrize("body", WRONG_TYPES, ids=lambda body: json.dumps(body)[:60])
def test_fields_of_the_wrong_type_or_size_are_refused_with_one_line(client, body):
    assert_refused(client.post("/api/check", json=body))


HOSTILE_ANSWERS = [
    "__import__('os').system('touch /tmp/symbackprop-pwned')",
    "exec('import os')",
    "eval('1')",
    "lambda: 1",
    "x_1.__class__.__bases__",
    "9^9^9^9^9",
    "(((((((((((((((((((((((((((((((((((((((((((((((x_1)))))))))))))))))))))))))))))))))))))))))))))))",
    "x_1" + "+x_1" * 400,
    r"\input{/etc/passwd}",
    r"\href{javascript:alert(1)}{x}",
    "<script>alert(1)</script>",
    "'; DROP TABLE checks; --",
    "\x00\x01\x02",
    "😀" * 100,
    "e^(e^(e^(e^(e^(x_1)))))",
    "",
    " ",
]


@pytest.mark.parametrize("answer", HOSTILE_ANSWERS, ids=range(len(HOSTILE_ANSWERS)))
def test_hostile_answers_get_a_verdict_and_nothing_is_executed(client, answer):
    reply = client.post("/api/check", json={"network": NET, "wrt": "b^2_1", "answer": answer})
    assert reply.status_code == 200, reply.text
    assert reply.json()["verdict"] in ("syntax_error", "wrong", "undecided", "error")
    preview = client.post("/api/preview", json={"network": NET, "answer": answer})
    assert preview.status_code == 200 and preview.json()["ok"] in (True, False)
    assert not os.path.exists("/tmp/symbackprop-pwned")


def test_the_server_still_answers_after_all_of_it(client):
    assert client.post("/api/check", json={"network": NET, "wrt": "b^2_1", "answer": RIGHT}).json()["verdict"] == "correct"
    assert client.get("/api/health").json()["status"] == "ok"


def test_an_unexpected_failure_is_a_500_with_one_line_and_no_traceback(client, monkeypatch):
    services = client.app.state.services

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(services.networks, "get", broken)
    response = client.post("/api/network", json={"network": NET})
    assert response.status_code == 500
    assert response.json() == {"error": "internal error: the server could not answer this request"}


def test_a_checker_that_cannot_start_its_workers_is_a_503(client, monkeypatch):
    from symbackprop.errors import SymbackpropError

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise SymbackpropError("the grading worker processes could not start")

    monkeypatch.setattr(client.app.state.services.pool, "check", broken)
    response = client.post("/api/check", json={"network": NET, "wrt": "b^2_1", "answer": RIGHT})
    assert response.status_code == 503 and "could not start" in assert_refused(response, 503)
