"""``symbackprop serve`` as a user runs it: the real server in a subprocess, its errors, the export."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.request

from symbackprop.cli import main

from .web_support import NET, RIGHT, running_server, write_variants


def post(base: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_registering_serve_imports_neither_the_web_stack_nor_sympy():
    """Whatever ``import symbackprop`` itself loads, the serve command's options add no heavy import."""
    script = (
        "import argparse, sys\n"
        "heavy = ('starlette', 'uvicorn', 'anyio', 'sympy', 'symengine')\n"
        "import symbackprop\n"
        "before = {m for m in heavy if m in sys.modules}\n"
        "from symbackprop.web import cli\n"
        "cli.register(argparse.ArgumentParser())\n"
        "print(sorted(m for m in heavy if m in sys.modules and m not in before))\n"
    )
    assert subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_bad_options_and_files_are_one_line_errors(tmp_path, capsys):
    (tmp_path / "variants.json").write_text('{"seed": 1, "students": {}}', encoding="utf-8")
    assert main(["serve", "--variants", str(tmp_path / "variants.json")]) == 2
    assert main(["serve", "--export", str(tmp_path / "out.csv")]) == 2
    assert main(["serve", "--rate-limit", "-1"]) == 2
    assert main(["serve", "--port", "70000"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 4 and all(line.startswith("symbackprop serve: error:") for line in errors)
    assert "'students' must be a non-empty object" in errors[0] and "--export needs --db" in errors[1]


def test_the_server_starts_prints_its_address_and_serves_pages_and_checks(tmp_path):
    database = tmp_path / "checks.sqlite"
    with running_server("--db", str(database), "--variants", str(write_variants(tmp_path)), "--workers", "1") as (base, _):
        with urllib.request.urlopen(base + "/") as response:
            assert response.status == 200 and b"Check your answer" in response.read()
        assert post(base, "/api/check", {"student": "s001", "part": "1a", "answer": RIGHT}) == (200, post(base, "/api/check", {"student": "s001", "part": "1a", "answer": RIGHT})[1])
        status, reply = post(base, "/api/check", {"network": NET, "wrt": "b^2_1", "answer": "delta^2_1"})
        assert status == 200 and reply["verdict"] == "wrong" and reply["recorded"] is True
    assert sqlite3.connect(database).execute("SELECT COUNT(*) FROM checks").fetchone()[0] == 3
    out = tmp_path / "submissions.csv"
    completed = subprocess.run([sys.executable, "-m", "symbackprop", "serve", "--db", str(database), "--export", str(out)],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0 and "wrote 1 submission " in completed.stdout and "1 of 3 recorded checks" in completed.stderr
    assert out.read_text(encoding="utf-8").splitlines() == ["id,part,answer", f"s001,1a,{RIGHT}"]


def test_a_server_killed_mid_request_loses_at_most_that_request(tmp_path):
    database = tmp_path / "checks.sqlite"
    with running_server("--db", str(database), "--workers", "1", "--rate-limit", "0") as (base, process):
        replied = [post(base, "/api/check", {"network": NET, "wrt": "b^2_1", "answer": f"{n} * x_1"})[0] for n in range(20)]
        assert replied == [200] * 20
        in_flight = threading.Thread(target=lambda: _ignore(post, base, "/api/check", {"network": NET, "wrt": "b^2_1", "answer": "x_2"}))
        in_flight.start()
        os.killpg(process.pid, signal.SIGKILL)  # the whole group this test started: server and workers
        process.wait()
        in_flight.join()
    recorded = sqlite3.connect(database).execute("SELECT answer FROM checks ORDER BY row").fetchall()
    assert [answer for (answer,) in recorded[:20]] == [f"{n} * x_1" for n in range(20)] and len(recorded) in (20, 21)


def _ignore(function, *args):  # noqa: ANN001, ANN002, ANN202
    try:
        function(*args)
    except (OSError, urllib.error.URLError, json.JSONDecodeError):
        pass
