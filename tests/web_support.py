"""Shared by the web tests and the load benchmark: a sample homework, and a real server in a subprocess."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

NET = {"sizes": [2, 2, 1], "activation": "sigmoid", "output": None, "bias": True, "loss": "squared"}
TANH_NET = {"sizes": [3, 2, 2], "activation": "tanh", "output": None, "bias": True, "loss": "squared"}
RIGHT = "delta^2_1 * sigma'(z^2_1)"  # ∂e/∂b^2_1 of NET
EXTRA_ACTIVATION = "delta^2_1 * sigma'(z^2_1) * a^1_2"  # the weight gradient ∂e/∂w^2_12, given for ∂e/∂b^2_1


ROSTER = Path(__file__).resolve().parent.parent / "examples" / "homework" / "roster.csv"
SEED = 7
_MADE: dict[int, bytes] = {}


def homework_variants(directory: Path, seed: int = SEED) -> Path:
    """``DIR/variants.json`` exactly as ``symbackprop homework --roster examples/homework/roster.csv --seed 7
    --out DIR --no-pdf`` writes it (the command is run once per seed, in-process; its output is byte-identical
    on every run, so later calls copy it)."""
    if seed not in _MADE:
        from symbackprop.cli import main

        made = directory / f".made-{seed}"
        assert main(["homework", "--roster", str(ROSTER), "--seed", str(seed), "--out", str(made), "--no-pdf"]) == 0
        _MADE[seed] = (made / "variants.json").read_bytes()
    path = directory / "variants.json"
    path.write_bytes(_MADE[seed])
    return path


def parts_of(path: Path) -> dict[tuple[str, str], dict]:
    """(student, part) → the part's entry in a variants.json."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return {(student, part["part"]): part for student, entry in document["students"].items() for part in entry["parts"]}


@contextmanager
def running_server(*arguments: str, startup_seconds: float = 300) -> Iterator[tuple[str, subprocess.Popen]]:
    """``symbackprop serve --port 0 ARGUMENTS`` in a subprocess; yields (base URL, process) once it
    listens, and stops it (by its own process id) afterwards.  ``startup_seconds`` only guards against a
    server that never starts; it is not a speed requirement."""
    command = [sys.executable, "-m", "symbackprop", "serve", "--port", "0", *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: "queue.Queue[str | None]" = queue.Queue()
    output: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                output.append(line)
                lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        while True:
            try:
                line = lines.get(timeout=startup_seconds)
            except queue.Empty:
                raise RuntimeError("symbackprop serve did not start: " + "".join(output)) from None
            if line is None:
                raise RuntimeError(f"symbackprop serve exited with status {process.wait()}: " + "".join(output))
            match = re.search(r"(http://\S+?)/\s", line)
            if match:
                yield match.group(1), process
                return
    finally:
        if process.poll() is None:
            process.terminate()  # uvicorn shuts down cleanly on SIGTERM and stops its workers
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group this test started (start_new_session)
                process.wait()
        reader.join()
