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


def sample_variants() -> dict:
    """Two students in the shape of ``symbackprop homework``'s variants.json: gradient parts (checked
    on the page) on different networks, and a KL part (graded later by ``symbackprop grade``)."""

    def gradient(part: str, network: dict, wrt: str, answer: str, points: float = 2) -> dict:
        return {
            "part": part, "kind": "gradient", "network": network, "wrt": wrt,
            "prompt": f"Compute ∂e/∂{wrt}.", "prompt_latex": rf"Compute $\frac{{\partial e}}{{\partial {wrt}}}$ for the network of question 1.",
            "answer": answer, "answer_latex": answer, "points": points, "conventions": [],
        }

    kl = {
        "part": "3", "kind": "kl", "prompt": "KL(p‖q) for p = (1/2, 1/2), q = (1/4, 3/4).",
        "prompt_latex": r"\mathrm{KL}(p \,\|\, q),\quad p = (\tfrac12, \tfrac12),\ q = (\tfrac14, \tfrac34)",
        "answer": "log(2/sqrt(3))", "answer_latex": r"\log\frac{2}{\sqrt{3}}", "points": 1, "conventions": [],
    }
    return {
        "seed": 7,
        "students": {
            "s001": {"name": "Ada", "parts": [
                gradient("1a", NET, "b^2_1", RIGHT),
                gradient("1b", NET, "w^2_12", "delta^2_1 * sigma'(z^2_1) * a^1_2"),
                kl,
            ]},
            "s002": {"name": "Ben", "parts": [
                {**gradient("1a", TANH_NET, "b^1_2", "tanh'(z^1_2) delta^1_2"), "conventions": ["lecture", "half_squared"]},
                kl,
            ]},
        },
    }


def write_variants(directory: Path) -> Path:
    path = directory / "variants.json"
    path.write_text(json.dumps(sample_variants(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


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
