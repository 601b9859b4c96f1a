"""The JSON API in-process (Starlette's test client): verdicts as the checker gives them, the preview,
networks, homework parts, Explore, recording before replying, and the rate limit."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from symbackprop import MLP
from symbackprop.answers import check_answer
from symbackprop.web.app import Settings, create_app

from .web_support import EXTRA_ACTIVATION, NET, RIGHT, TANH_NET, homework_variants


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(workers=2, rate_limit=0))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def homework(tmp_path_factory):
    directory = tmp_path_factory.mktemp("homework")
    settings = Settings(variants=homework_variants(directory), db=directory / "checks.sqlite", workers=1, rate_limit=0)
    with TestClient(create_app(settings)) as test_client:
        yield test_client, directory / "checks.sqlite"


def check(client: TestClient, answer: str, wrt: str = "b^2_1", network: dict = NET) -> dict:
    response = client.post("/api/check", json={"network": network, "wrt": wrt, "answer": answer})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_right_answer_is_correct_and_proved(client):
    reply = check(client, RIGHT)
    assert reply["verdict"] == "correct" and reply["proved"] is True
    assert "exact" in reply["decided_by"] and reply["mistake"] is None and reply["counterexample"] is None
    assert reply["answer_latex"] == r"\delta^{2}_{1} \left(1 - \sigma\left(z^{2}_{1}\right)\right) \sigma\left(z^{2}_{1}\right)"
    assert reply["recorded"] is False


def test_a_wrong_answer_names_the_mistake_and_gives_a_counterexample_that_checks_out(client):
    reply = check(client, EXTRA_ACTIVATION)
    assert reply["verdict"] == "wrong"
    assert reply["mistake"]["code"] == "extra_activation" and reply["mistake"]["exact"] is True
    assert reply["mistake"]["answer_equals_latex"] == r"\sigma'\left(z^{2}_{1}\right)\,\delta^{2}_{1}\,a^{1}_{2}"
    example = reply["counterexample"]
    names = {item["name"]: item for item in example["values"]}
    assert names["w^2_12"]["latex"] == "w^{2}_{12}" and names["a^1_2"]["latex"] == "a^{1}_{2}"
    # the two numbers really are the answer and ∂e/∂b^2_1 at those values: recompute them here
    a11, a12, a21, y = (names[key]["value"] for key in ("a^1_1", "a^1_2", "a^2_1", "y_1"))
    expected = 2 * (a21 - y) * a21 * (1 - a21)
    assert example["expected"] == pytest.approx(expected, rel=1e-9)
    assert example["answer"] == pytest.approx(expected * a12, rel=1e-9)
    assert example["answer"] != pytest.approx(example["expected"])


def test_the_reply_matches_the_library_checker_and_never_contains_the_model_answer(client):
    net = MLP([2, 2, 1], activation="sigmoid", bias=True)
    for answer in (RIGHT, EXTRA_ACTIVATION, "2(y_1 - a^2_1) a^2_1 (1 - a^2_1)", "delta^2_1"):
        reply = check(client, answer)
        verdict = check_answer(net, "b^2_1", answer)
        assert reply["message"] == verdict.feedback
        assert verdict.expected_latex not in str(reply) and "expected" not in {key for key in reply if key != "counterexample"}


def test_a_syntax_error_points_at_the_character(client):
    reply = check(client, "w^{21} + x_1")
    assert reply["verdict"] == "syntax_error" and reply["position"] == 0 and "layer and indices" in reply["message"]
    assert reply["answer_latex"] is None


def test_the_preview_shows_how_the_server_reads_the_answer(client):
    read = client.post("/api/preview", json={"network": NET, "answer": "w^2_12 x_1"}).json()
    assert read == {"ok": True, "latex": "w^{2}_{12} x_{1}", "plain": "w^2_12*x_1", "note": None, "message": None, "position": None, "checked_here": True}
    refused = client.post("/api/preview", json={"network": NET, "answer": "w^{21}"}).json()
    assert refused["ok"] is False and refused["position"] == 0
    with_wrt = client.post("/api/preview", json={"network": NET, "wrt": "b^2_1", "answer": "x_1"}).json()
    assert with_wrt["ok"] is True


def test_other_networks_and_activations_are_checked_on_their_own_terms(client):
    assert check(client, "δ^1_2 tanh'(z^1_2)", wrt="b^1_2", network=TANH_NET)["verdict"] == "correct"
    softmax = {"sizes": [2, 3], "activation": "identity", "output": "softmax", "bias": True, "loss": "cross_entropy"}
    assert check(client, "q_1 - y_1", wrt="b^1_1", network=softmax)["verdict"] == "correct"
    assert check(client, "y_1 - q_1", wrt="b^1_1", network=softmax)["verdict"] == "wrong"


def test_network_describes_the_network_and_lists_its_parameters(client):
    reply = client.post("/api/network", json={"network": NET}).json()
    assert [p["name"] for p in reply["parameters"]] == ["w^1_11", "w^1_12", "w^1_21", "w^1_22", "b^1_1", "b^1_2", "w^2_11", "w^2_12", "b^2_1"]
    assert reply["parameters"][0]["latex"] == "w^{1}_{11}"
    assert reply["describe"] == "[2, 2, 1], sigmoid, biases, loss squared"
    assert any("math" in segment for segment in reply["description"][0]["segments"])


@pytest.mark.parametrize(
    "network, message",
    [
        ({**NET, "sizes": [2, 9, 1]}, "between 1 and 6"),
        ({**NET, "sizes": [2, 2, 2, 2, 2, 2]}, "2 to 5 widths"),
        ({**NET, "sizes": [6, 6, 6, 6, 1]}, "parameters"),
        ({**NET, "activation": "gelu"}, "must be one of"),
        ({**NET, "sizes": [2, 2, 2], "loss": "logistic"}, "loss='logistic'"),
        ({**NET, "output": "softmax"}, "softmax"),
        ({**NET, "bias": "yes"}, "true or false"),
        ({**NET, "sizes": [2, True, 1]}, "whole numbers"),
        ({**NET, "depth": 3}, "unknown field"),
        ([2, 2, 1], "must be an object"),
    ],
)
def test_bad_or_too_large_networks_are_refused_with_one_line(client, network, message):
    response = client.post("/api/check", json={"network": network, "wrt": "b^2_1", "answer": "x_1"})
    assert response.status_code == 400 and message in response.json()["error"]
    assert "\n" not in response.json()["error"]


def test_a_parameter_the_network_does_not_have_is_a_400(client):
    response = client.post("/api/check", json={"network": NET, "wrt": "w^3_11", "answer": "x_1"})
    assert response.status_code == 400 and "layer 3 does not exist" in response.json()["error"]


def test_explore_renders_the_documents_derivation_and_its_proof(client):
    page = client.post("/api/explore", json={"network": NET, "wrt": "b^1_1"}).json()
    assert page["parameter"] == "b^1_1" and page["proof"]["holds"] is True and page["proof"]["proved"] == 9
    titles = ["".join(s.get("text", "") for s in section[0]["segments"]) for section in page["sections"]]
    assert titles[0] == "Forward pass (L15)" and "Backpropagation (L7–L11, L13)" in titles
    displays = [block["tex"] for section in page["sections"] for block in section if block["type"] == "math"]
    assert any(r"\delta^{1} &= V^{2} \delta^{2}" in tex for tex in displays)
    assert any(r"\frac{\partial e}{\partial b^{1}_{1}}" in tex for tex in displays)
    assert page["macros"][r"\Diag"] == r"\operatorname{Diag}"
    too_big = client.post("/api/explore", json={"network": {**NET, "sizes": [6, 6, 1]}})
    assert too_big.status_code == 400 and "between 1 and 5" in too_big.json()["error"]



def test_an_explored_page_is_derived_once_and_then_served_from_the_cache(client, monkeypatch):
    from symbackprop.web import app as app_module

    derived: list[str] = []
    real = app_module.call_isolated

    def counting(net, function, argument, **kwargs):
        derived.append(argument)
        return real(net, function, argument, **kwargs)

    monkeypatch.setattr(app_module, "call_isolated", counting)
    network = {**NET, "sizes": [1, 1, 1]}
    pages = [client.post("/api/explore", json={"network": network, "wrt": wrt}).json() for wrt in ("b^2_1", "b^2_1", "w^2_11", "b^2_1")]
    assert derived == ["b^2_1", "w^2_11"]
    assert pages[0] == pages[1] == pages[3] and pages[2]["parameter"] == "w^2_11"

def test_health_and_config_describe_the_server(client):
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["pool"]["workers"] >= 1 and health["variants"] is False
    config = client.get("/api/config").json()
    assert config["explore"] is True and config["recording"] is False and "sigmoid" in config["activations"]
    assert config["bounds"] == {"max_layers": 4, "max_width": 6, "max_parameters": 120}


def test_the_pages_and_vendored_assets_are_served_with_a_strict_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and "<title>Check your answer" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/explore").status_code == 200
    for asset in ("/static/vendor/katex/katex.min.js", "/static/vendor/mathlive/mathlive.min.js", "/static/vendor/katex/fonts/KaTeX_Main-Regular.woff2"):
        assert client.get(asset).status_code == 200
    for page_text in (page.text, client.get("/explore").text):
        assert "http://" not in page_text and "https://" not in page_text  # nothing from a CDN


# --- with homework variants (their checks: tests/test_web_homework.py) ----------------------------------

def test_explore_is_off_while_homework_is_checked_unless_the_instructor_turns_it_on(homework, tmp_path):
    client, _ = homework
    assert client.get("/api/config").json()["explore"] is False
    refused = client.post("/api/explore", json={"network": NET})
    assert refused.status_code == 404 and "turned off" in refused.json()["error"]
    settings = Settings(variants=homework_variants(tmp_path), workers=1, explore=True)
    with TestClient(create_app(settings)) as forced:
        assert forced.post("/api/explore", json={"network": NET}).status_code == 200


def test_a_flood_past_the_rate_limit_gets_429_with_retry_after_and_never_a_500():
    with TestClient(create_app(Settings(workers=1, rate_limit=5))) as limited:
        statuses = [limited.post("/api/check", json={"network": NET, "wrt": "b^2_1", "answer": RIGHT}).status_code for _ in range(12)]
        assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
        refused = limited.post("/api/check", json={"network": NET, "wrt": "b^2_1", "answer": RIGHT})
        assert int(refused.headers["retry-after"]) >= 1 and "too many requests" in refused.json()["error"]
        previews = [limited.post("/api/preview", json={"network": NET, "answer": "x_1"}).status_code for _ in range(25)]
        assert previews.count(200) == 20 and previews[20:] == [429] * 5  # previews: 4 per allowed check
        assert limited.get("/api/health").status_code == 200  # reading the health is never limited


def test_the_server_keeps_answering_while_a_hanging_check_is_killed(monkeypatch):
    """Workers forked after this patch hang on one answer; every other request is answered meanwhile."""
    import threading

    from symbackprop.answers import pool as pool_module

    real = pool_module.check_answer

    def hanging(net, wrt, answer, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if answer == "HANG":
            threading.Event().wait()
        return real(net, wrt, answer, **kwargs)

    monkeypatch.setattr(pool_module, "check_answer", hanging)
    with TestClient(create_app(Settings(workers=2, rate_limit=0, time_limit=0.1))) as client:
        slow: dict[str, dict] = {}
        stuck = threading.Thread(target=lambda: slow.setdefault("reply", check(client, "HANG")))
        stuck.start()
        while client.get("/api/health").json()["pool"]["busy"] != 1:  # until a worker holds the hanging answer
            time.sleep(0.01)
        answered = [check(client, answer)["verdict"] for answer in (RIGHT, EXTRA_ACTIVATION, RIGHT, "delta^2_1")]
        assert answered == ["correct", "wrong", "correct", "wrong"] and "reply" not in slow
        assert client.get("/api/health").json()["pool"]["busy"] == 1
        stuck.join()
        assert slow["reply"]["verdict"] == "undecided" and "stopped after 5.2 s" in slow["reply"]["decided_by"]
        assert check(client, RIGHT)["verdict"] == "correct"
