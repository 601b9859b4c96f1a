"""Bounded work: a job runs in a forked child process with capped memory and a wall-clock limit.

Symbolic work can grow without bound (a deep network's derivative multiplied out has one term per path
through it); every command that does such work estimates its size first and refuses with a one-line
:class:`LimitError` when it is hopeless, and runs the rest with :func:`run_limited`: in a child whose
address space is capped at :data:`MEMORY_LIMIT` and which is killed after its time limit.  Either way
the command ends with a one-line message, never a machine that swaps or a process that runs for ever.

>>> run_limited(sum, [1, 2, 3], time_limit=30, what="adding")
6
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import sys
import warnings
from typing import Callable, TypeVar

from .errors import LimitError, OptionError, SymbackpropError

__all__ = [
    "MEMORY_LIMIT",
    "MAX_TIME_LIMIT",
    "LimitError",
    "checked_time_limit",
    "checked_workers",
    "end_after",
    "limit_memory",
    "max_workers",
    "run_limited",
]

MEMORY_LIMIT = 1536 * 1024**2
"""Bytes of memory a child process may add to what it inherits from its parent (1.5 GiB): a command's
parent holds well under 200 MB, so no process of a command reaches 2 GB."""

MAX_TIME_LIMIT = 7 * 24 * 3600
"""The longest time limit accepted anywhere (a week, in seconds): a longer one bounds nothing, and the
system's timers (``signal.alarm``, ``poll``) overflow on the largest ones."""

Result = TypeVar("Result")


def checked_time_limit(seconds: object, *, name: str = "the time limit") -> float:
    """``seconds`` as a float when it is a time limit the timers can keep (more than 0, at most
    :data:`MAX_TIME_LIMIT`); otherwise a one-line :class:`~symbackprop.errors.OptionError` naming ``name``.

    >>> checked_time_limit(1e999)
    Traceback (most recent call last):
    symbackprop.errors.OptionError: the time limit must be more than 0 and at most 604,800 seconds (a week), got inf
    """
    number = isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
    if not (number and 0 < seconds <= MAX_TIME_LIMIT):  # compared before float(): a huge int overflows it
        raise OptionError(f"{name} must be more than 0 and at most {MAX_TIME_LIMIT:,} seconds (a week), got {seconds!r}")
    return float(seconds)


def max_workers() -> int:
    """The most worker processes one pool may start: 4 per core, at least 4.  More only share the same cores,
    each with its own memory allowance, and a count typed by mistake (``--workers 100000``) would fork
    processes until the machine stops."""
    return 4 * max(1, os.cpu_count() or 1)


def checked_workers(count: object, *, name: str = "the number of workers", zero: bool = False) -> int:
    """``count`` as an int when it is a number of worker processes a pool may start: at least 1 (0 too when
    ``zero``: work in this process) and at most :func:`max_workers`; otherwise a one-line
    :class:`~symbackprop.errors.OptionError` naming ``name``.

    >>> checked_workers(10**6, name="--workers")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symbackprop.errors.OptionError: --workers must be between 1 and ... (4 per core), got 1000000
    """
    lowest = 0 if zero else 1
    if not (isinstance(count, int) and not isinstance(count, bool) and lowest <= count <= max_workers()):
        raise OptionError(f"{name} must be between {lowest} and {max_workers()} (4 per core), got {count!r}")
    return count


def limit_memory(limit: int = MEMORY_LIMIT) -> None:
    """Let this process's address space grow by at most ``limit`` bytes beyond its size now (a
    MemoryError instead of swapping).  Relative, because a forked child starts with its parent's address
    space — large in a notebook or a test run that has loaded PyTorch.  A no-op where unsupported."""
    try:
        import resource

        cap = _address_space() + limit
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - Windows, or a lower hard limit we cannot raise
        pass


def _address_space() -> int:
    """This process's address space in bytes (Linux: /proc/self/statm), else 0."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):  # pragma: no cover - not Linux
        return 0


def run_limited(
    function: Callable[..., Result],
    *args: object,
    time_limit: float,
    memory: int = MEMORY_LIMIT,
    what: str = "the job",
    hint: str = "",
) -> Result:
    """``function(*args)`` in a forked child with ``memory`` bytes of address space, killed after
    ``time_limit`` seconds.  Returns its (picklable) result; a :class:`SymbackpropError` it raises is
    raised here; running out of time or memory raises :class:`LimitError` naming ``what`` and ``hint``
    (what to do instead).  Where processes cannot be forked the function runs here, unbounded."""
    time_limit = checked_time_limit(time_limit)
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return function(*args)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, memory, math.ceil(time_limit) + _GRACE, function, args), daemon=True)
    with warnings.catch_warnings():
        # Python ≥ 3.12 warns that forking a process with threads may deadlock; the child runs only
        # Python, SymPy and SymEngine code.
        warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
        child.start()
    sender.close()
    advice = f"; {hint}" if hint else ""
    try:
        if not receiver.poll(time_limit):
            raise LimitError(f"{what} did not finish within the time limit of {time_limit:g} s{advice}")
        try:
            kind, value = receiver.recv()
        except (EOFError, OSError):
            raise LimitError(f"{what} stopped: it needed more than {memory / 1024**3:.2g} GiB of memory{advice}") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join(timeout=5)
        receiver.close()
    if kind == "result":
        return value  # type: ignore[return-value]
    if kind == "memory":
        raise LimitError(f"{what} needed more than {memory / 1024**3:.2g} GiB of memory{advice}")
    if isinstance(value, SymbackpropError):
        raise value
    raise SymbackpropError(f"{what} failed: {value}")


_GRACE = 5  # seconds after its limit at which a child ends itself, should its parent be gone


def end_after(seconds: int) -> None:
    """End this process (SIGALRM) after ``seconds`` — the last guard of a child whose parent was killed
    before it could stop it; ``0`` cancels.  A no-op where there is no SIGALRM."""
    if hasattr(signal, "alarm"):
        signal.alarm(max(0, int(seconds)))


def _child(sender, memory: int, lifetime: int, function: Callable, args: tuple) -> None:  # noqa: ANN001  # pragma: no cover - runs in the child
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    end_after(lifetime)
    limit_memory(memory)
    try:
        outcome: tuple[str, object] = ("result", function(*args))
    except MemoryError:
        outcome = ("memory", None)
    except SymbackpropError as error:
        outcome = ("error", error)
    except RecursionError:
        outcome = ("error", "the expression is nested too deeply")
    except Exception as error:  # noqa: BLE001 - whatever the job raises becomes a message, not a traceback
        outcome = ("error", f"{type(error).__name__}: {error}")
    try:
        sys.stdout.flush()
        sender.send(outcome)
    except Exception as error:  # noqa: BLE001 - e.g. a result that cannot be pickled
        sender.send(("error", f"its result could not be sent back ({type(error).__name__})"))
    finally:
        sender.close()
