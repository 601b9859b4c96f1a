"""Grade a whole class: read answers from CSV, check each in a pool of worker processes, write results.

Every answer runs in a worker process with a hard wall-clock limit: a worker that exceeds it is killed
and replaced, and that answer is reported as ``timeout``; a worker that dies is replaced and its answer
reported as ``error``.  Nothing one row contains can stop the others from being graded.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import sys
import time
import warnings
from collections import deque
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection, wait
from typing import IO, Callable, Iterable, Iterator, Mapping, Sequence

from ..errors import DataError, ExpressionSyntaxError, SymbackpropError
from ..network import MLP
from ..statuses import AnswerStatus
from .check import check_answer, warm_context
from .context import context_for

__all__ = [
    "GradedAnswer",
    "Handler",
    "WorkerPool",
    "grade_answer",
    "grade_answers",
    "read_answers",
    "run_isolated",
    "write_results",
    "failure",
    "mlp_recipe",
    "warm_network",
    "RESULT_COLUMNS",
]

SYNTAX_ERROR, ERROR, TIMEOUT = AnswerStatus.SYNTAX_ERROR, AnswerStatus.ERROR, AnswerStatus.TIMEOUT
RESULT_COLUMNS = ("id", "wrt", "answer", "verdict", "decided_by", "mistake", "feedback", "expected", "counterexample", "seconds")
_MEMORY_LIMIT = 4 * 1024**3  # bytes of address space per worker


@dataclass(frozen=True)
class GradedAnswer:
    """One graded row.  ``verdict`` is correct, wrong, timeout (undecided), syntax error or error."""

    id: str
    wrt: str
    answer: str
    verdict: AnswerStatus
    decided_by: str = ""
    mistake: str = ""
    feedback: str = ""
    expected: str = ""
    counterexample: str = ""
    seconds: float = 0.0
    report: str = ""  # the full text report (only when asked for)

    def row(self) -> dict[str, str]:
        """The CSV row; id and answer cells that a spreadsheet would run as formulas get a leading apostrophe."""
        values = asdict(self)
        row = {column: str(values[column]) for column in RESULT_COLUMNS}
        row["seconds"] = f"{self.seconds:.4f}"
        for column in ("id", "answer", "wrt"):
            if row[column][:1] in ("=", "+", "-", "@", "\t", "\r"):
                row[column] = "'" + row[column]
        return row


def grade_answer(net: MLP, identifier: str, answer: object, wrt: object, *, time_limit: float = 10.0, report: bool = False) -> GradedAnswer:
    """Check one answer and never raise: every problem becomes the row's verdict."""
    started = time.perf_counter()
    ident, wrt_text = str(identifier), "" if wrt is None else str(wrt)
    answer_text = "" if answer is None else str(answer)

    def failed(verdict: str, message: str) -> GradedAnswer:
        return GradedAnswer(ident, wrt_text, answer_text, verdict, feedback=message, seconds=time.perf_counter() - started, report=message if report else "")

    if not wrt_text.strip():
        return failed(ERROR, "no parameter: give a wrt column or --wrt")
    try:
        verdict = check_answer(net, wrt_text.strip(), answer_text, time_limit=time_limit)
    except Exception as error:  # noqa: BLE001 - a grader must survive any single row
        return failed(*failure(error, report=report))
    return GradedAnswer(
        id=ident,
        wrt=wrt_text,
        answer=answer_text,
        verdict=verdict.status,
        decided_by=verdict.decided_by,
        mistake=verdict.mistake.code if verdict.mistake else "",
        feedback=verdict.feedback,
        expected=verdict.expected_latex,
        counterexample=verdict.counterexample.describe(verdict.parameter) if verdict.counterexample else "",
        seconds=time.perf_counter() - started,
        report=verdict.text() if report else "",
    )


def failure(error: Exception, *, report: bool = False) -> tuple[str, str]:
    """The verdict (syntax error or error) and message for an answer whose parse or check raised ``error``.

    A syntax error's message is its first line and the position; ``report`` keeps the full text with the
    pointer under the offending character."""
    if isinstance(error, ExpressionSyntaxError):
        if report:
            return SYNTAX_ERROR, str(error)
        where = f" (at character {error.position + 1})" if error.position is not None else ""
        first_line = str(error).splitlines()[0] if str(error) else "not valid notation"
        return SYNTAX_ERROR, first_line + where
    if isinstance(error, SymbackpropError):
        return ERROR, str(error)
    if isinstance(error, RecursionError):
        return ERROR, "the answer is nested too deeply"
    if isinstance(error, MemoryError):
        return ERROR, "the answer needs too much memory"
    return ERROR, f"internal error while checking this answer: {type(error).__name__}: {error}"


# --- reading and writing ---------------------------------------------------------------------------------

def read_answers(source: str | os.PathLike | IO[str]) -> list[dict[str, str | None]]:
    """Rows of a CSV with columns ``id``, ``answer`` and optionally ``wrt`` (header names are
    case-insensitive).  A row that cannot be read becomes a row whose answer is None and whose
    ``problem`` says why, so it is graded as an error instead of stopping the class."""
    if isinstance(source, (str, os.PathLike)):
        try:
            with open(source, encoding="utf-8-sig", errors="replace", newline="") as handle:
                return _read_rows(handle)
        except OSError as error:
            raise DataError(f"cannot read {os.fspath(source)!r}: {error.strerror}") from None
    return _read_rows(source)


def _read_rows(handle: IO[str]) -> list[dict[str, str | None]]:
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError("the CSV file is empty; it needs a header row with columns id, answer (and optionally wrt)") from None
        except csv.Error as error:
            raise DataError(f"the CSV header cannot be read: {error}") from None
        names = [name.strip().lower() for name in header]
        if "answer" not in names:
            raise DataError(f"the CSV needs an 'answer' column; its columns are {', '.join(header) or '(none)'}")
        column = {name: names.index(name) for name in ("id", "answer", "wrt") if name in names}
        rows: list[dict[str, str | None]] = []
        line = 1
        while True:
            line += 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                rows.append({"id": f"line {reader.line_num}", "answer": None, "wrt": None, "problem": f"unreadable CSV row: {error}"})
                continue
            if not any(cell.strip() for cell in record):
                continue

            def cell(name: str) -> str | None:
                index = column.get(name)
                return record[index] if index is not None and index < len(record) else None

            identifier = cell("id")
            rows.append(
                {
                    "id": identifier if identifier not in (None, "") else f"row {len(rows) + 1}",
                    "answer": cell("answer"),
                    "wrt": cell("wrt") or None,
                    "problem": None if cell("answer") is not None else "the row has no answer column",
                }
            )
        return rows
    finally:
        csv.field_size_limit(previous_limit)


def write_results(target: str | os.PathLike | IO[str], graded: Sequence[GradedAnswer]) -> None:
    """Write the results CSV (columns :data:`RESULT_COLUMNS`)."""
    if isinstance(target, (str, os.PathLike)):
        with open(target, "w", encoding="utf-8", newline="") as handle:
            _write(handle, graded)
    else:
        _write(target, graded)


def _write(handle: IO[str], graded: Sequence[GradedAnswer]) -> None:
    writer = csv.DictWriter(handle, fieldnames=list(RESULT_COLUMNS))
    writer.writeheader()
    for item in graded:
        writer.writerow(item.row())


# --- grading many ----------------------------------------------------------------------------------------

Task = tuple[str, object, object]
Job = Callable[..., object]
"""What a worker runs for each task: ``job(net, identifier, answer, wrt, *, time_limit, report)`` (default
:func:`grade_answer`); a module-level function, so it can be sent to a worker however it is started."""


def _tasks(answers: Iterable[object], wrt: str | None) -> list[tuple[Task, str | None]]:
    tasks: list[tuple[Task, str | None]] = []
    for index, item in enumerate(answers, start=1):
        if isinstance(item, Mapping):
            identifier, answer, row_wrt, problem = item.get("id"), item.get("answer"), item.get("wrt"), item.get("problem")
        else:
            values = list(item)  # type: ignore[call-overload]
            identifier, answer = values[0], values[1] if len(values) > 1 else None
            row_wrt, problem = (values[2] if len(values) > 2 else None), None
        identifier = f"row {index}" if identifier in (None, "") else identifier
        tasks.append(((str(identifier), answer, row_wrt or wrt), problem))
    return tasks


def grade_answers(
    net: MLP,
    answers: Iterable[Mapping[str, object] | Sequence[object]],
    *,
    wrt: str | None = None,
    workers: int | None = None,
    time_limit: float = 10.0,
    progress: bool = False,
) -> list[GradedAnswer]:
    """Grade answers (mappings with id, answer, wrt — or (id, answer[, wrt]) tuples), in input order.

    ``workers``: processes to use (default: every core); 0 grades in this process (no hard time limit).
    Each answer gets ``time_limit`` seconds for its optional stages and is killed after twice that plus
    5 s.  ``progress`` shows a tqdm bar on stderr.
    """
    tasks = _tasks(answers, wrt)
    results: list[GradedAnswer | None] = [None] * len(tasks)
    todo: list[tuple[int, Task]] = []
    for index, (task, problem) in enumerate(tasks):
        if problem:
            results[index] = GradedAnswer(task[0], str(task[2] or ""), "", ERROR, feedback=problem)
        else:
            todo.append((index, task))
    warm_network(net, [task[2] for _, task in todo])
    count = (os.cpu_count() or 1) if workers is None else workers
    bar = _progress_bar(len(tasks), progress)
    bar.update(len(tasks) - len(todo))
    try:
        if count <= 0:
            for index, (identifier, answer, row_wrt) in todo:
                results[index] = grade_answer(net, identifier, answer, row_wrt, time_limit=time_limit)
                bar.update(1)
        else:
            pool = WorkerPool(net, min(count, max(1, len(todo))), time_limit=time_limit)
            try:
                for index, graded in pool.run(todo):
                    results[index] = graded
                    bar.update(1)
            finally:
                pool.close()
    finally:
        bar.close()
    return [result for result in results if result is not None]


def warm_network(net: MLP, names: Iterable[object]) -> None:
    """Build the shared context (and what each named parameter needs) once, before workers are forked."""
    parameters = []
    for name in set(str(name).strip() for name in names if name):
        try:
            parameters.append(net.parameter(name))
        except SymbackpropError:
            continue  # reported on its own row
    warm_context(context_for(net), parameters)


def _progress_bar(total: int, enabled: bool):  # noqa: ANN202 - a tqdm bar
    from tqdm import tqdm

    class _Bar(tqdm):
        monitor_interval = 0  # no monitor thread: worker processes are forked while the bar exists

    return _Bar(total=total, disable=not enabled, unit="answer", file=sys.stderr, dynamic_ncols=True)


class _Worker:
    def __init__(self, process: multiprocessing.Process, connection: Connection) -> None:
        self.process = process
        self.connection = connection
        self.ready = False
        self.task: tuple[int, Task] | None = None
        self.started = 0.0


class WorkerPool:
    """Worker processes fed one answer at a time, so an answer that runs too long can be killed alone."""

    def __init__(
        self,
        net: MLP | None,
        size: int,
        *,
        time_limit: float,
        report: bool = False,
        job: Job | None = None,
        handler: "Handler | None" = None,
    ) -> None:
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._network = net if net is None or self._context.get_start_method() == "fork" else mlp_recipe(net)
        self._time_limit = time_limit
        self._hard_limit = 2 * time_limit + 5
        self._report = report
        self._job = grade_answer if job is None else job
        self._handler = handler
        self._failed_starts = 0
        self._workers = [self._start() for _ in range(size)]

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        if self._handler is not None:
            target, args = _handler_main, (child, self._handler.run)
        else:
            target, args = _worker_main, (child, self._network, self._time_limit, self._report, self._job)
        process = self._context.Process(target=target, args=args, daemon=True)
        with warnings.catch_warnings():
            # Python ≥ 3.12 warns that forking a process with native threads (e.g. BLAS) may deadlock;
            # workers only run Python, SymEngine and mpmath code, and fork lets them share the built context.
            warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
            process.start()
        child.close()
        return _Worker(process, parent)

    def _replace(self, worker: _Worker) -> None:
        if not worker.ready:
            self._failed_starts += 1
            if self._failed_starts > 3:
                self.close()
                raise SymbackpropError("the grading worker processes could not start")
        _stop(worker)
        self._workers[self._workers.index(worker)] = self._start()

    def run(self, todo: list[tuple[int, Task]]) -> Iterator[tuple[int, GradedAnswer]]:
        pending = deque(todo)
        while pending or any(worker.task is not None for worker in self._workers):
            for worker in self._workers:
                if worker.ready and worker.task is None and pending:
                    worker.task = pending.popleft()
                    worker.started = time.monotonic()
                    worker.connection.send(worker.task[1])
            busy = [worker for worker in self._workers if worker.task is not None]
            timeout = min((worker.started + self._hard_limit - time.monotonic() for worker in busy), default=1.0)
            ready = wait([worker.connection for worker in self._workers], timeout=max(0.01, min(timeout, 1.0)))
            for worker in list(self._workers):
                if worker.connection in ready:
                    try:
                        message = worker.connection.recv()
                    except (EOFError, OSError):
                        message = None
                    if message == "ready":
                        worker.ready = True
                        continue
                    if message is None:  # the worker died
                        if worker.task is not None:
                            index, task = worker.task
                            yield index, self._failure(
                                task, ERROR, "", "the checker's process stopped while grading this answer (for example out of memory)"
                            )
                            worker.task = None
                        self._replace(worker)
                        continue
                    index = worker.task[0] if worker.task is not None else -1
                    worker.task = None
                    yield index, message
                elif worker.task is not None and time.monotonic() - worker.started > self._hard_limit:
                    index, task = worker.task
                    worker.task = None
                    self._replace(worker)
                    yield index, self._failure(
                        task, TIMEOUT, f"stopped after {self._hard_limit:g} s",
                        f"checking this answer took longer than {self._hard_limit:g} s and was stopped",
                    )

    def _failure(self, task: object, verdict: AnswerStatus, decided_by: str, message: str) -> object:
        """The result for a task whose worker died or ran out of time."""
        if self._handler is not None:
            return self._handler.failed(task, verdict, message)
        identifier, answer, wrt = task  # type: ignore[misc]
        return GradedAnswer(identifier, str(wrt or ""), str(answer or ""), verdict, decided_by=decided_by, feedback=message)

    def close(self) -> None:
        for worker in self._workers:
            if worker.process.is_alive():
                try:
                    worker.connection.send(None)
                except (BrokenPipeError, OSError):
                    pass
        for worker in self._workers:
            worker.process.join(timeout=2)
            _stop(worker)


def _stop(worker: _Worker) -> None:
    """End one worker that this pool started (by its own process handle)."""
    if worker.process.is_alive():
        worker.process.terminate()
        worker.process.join(timeout=2)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=2)
    worker.connection.close()


def mlp_recipe(net: MLP) -> dict:
    """The MLP's constructor arguments (for start methods that cannot inherit the object)."""
    spec = net.spec
    return dict(
        sizes=list(spec.sizes),
        activation=[activation.name for activation in spec.activations],
        output="softmax" if spec.softmax else None,
        bias=spec.bias,
        loss=spec.loss.name,
    )


def _limit_worker() -> None:  # pragma: no cover - runs in a child
    """Ignore Ctrl-C (the parent's to handle) and cap the worker's address space."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = _MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(_MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def _worker_main(connection: Connection, network: MLP | dict, time_limit: float, report: bool, job: Job = grade_answer) -> None:  # pragma: no cover - runs in a child
    _limit_worker()
    net = network if isinstance(network, MLP) else MLP(**network)
    context_for(net)
    connection.send("ready")
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        identifier, answer, wrt = task
        connection.send(job(net, identifier, answer, wrt, time_limit=time_limit, report=report))


@dataclass(frozen=True)
class Handler:
    """What isolated workers run: ``run(task)`` in the worker (it should not raise), and
    ``failed(task, verdict, message)`` in the parent for a task whose worker died (``error``) or was stopped
    at the hard time limit (``timeout``)."""

    run: Callable[[object], object]
    failed: Callable[[object, AnswerStatus, str], object]


def run_isolated(
    handler: Handler, tasks: Sequence[object], *, workers: int, time_limit: float = 10.0, warm: Callable[[], None] | None = None
) -> Iterator[tuple[int, object]]:
    """Run ``handler.run`` on every task in worker processes — the hardened path of :func:`grade_answers`
    (forked workers, one task at a time, killed after ``2·time_limit + 5`` s, a memory limit per worker) —
    and yield ``(index, result)`` as results come in.  ``warm`` runs in the parent before forking, so that
    workers share what it builds.  ``workers=0`` runs the tasks in this process (no hard limit)."""
    if warm is not None:
        warm()
    if workers <= 0 or not tasks:
        for index, task in enumerate(tasks):
            yield index, handler.run(task)
        return
    pool = WorkerPool(None, min(workers, len(tasks)), time_limit=time_limit, handler=handler)
    try:
        yield from pool.run(list(enumerate(tasks)))
    finally:
        pool.close()


def _handler_main(connection: Connection, run: Callable[[object], object]) -> None:  # pragma: no cover - runs in a child
    _limit_worker()
    connection.send("ready")
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        connection.send(run(task))


def check_isolated(net: MLP, wrt: str, answer: str, *, time_limit: float = 10.0) -> GradedAnswer:
    """Check one answer in a worker process with a hard time limit (what ``symbackprop check`` uses)."""
    warm_network(net, [wrt])
    pool = WorkerPool(net, 1, time_limit=time_limit, report=True)
    try:
        for _, graded in pool.run([(0, ("answer", answer, wrt))]):
            return graded
    finally:
        pool.close()
    raise AssertionError("unreachable")  # pragma: no cover


def results_text(graded: Sequence[GradedAnswer]) -> str:
    """The results CSV as a string."""
    buffer = io.StringIO()
    _write(buffer, graded)
    return buffer.getvalue()

