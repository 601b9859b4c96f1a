"""Grade a whole class: read answers from CSV, check them in worker processes, write the results.

- Reading is strict (:func:`symbackprop.tables.read_table`): a row that cannot be read as it stands — an
  unterminated quote, extra fields, a duplicate id — becomes an ``error`` row that names its line; none is
  dropped and none stops the others.
- Answers go to forked workers in batches (one round trip for many answers), yet each answer keeps its
  own hard wall-clock limit: a worker that exceeds it is killed and replaced, that answer is reported as
  ``timeout`` and the rest of its batch is sent again; a worker that dies is replaced and its answer
  reported as ``error``.  A worker's memory is capped (:data:`symbackprop.limits.MEMORY_LIMIT`).
- What checking a parameter needs (the network's context, the expected answer, the typical mistakes) is
  built once in this process before the workers are forked, so that they share it — when its estimated
  size is small (:func:`~symbackprop._kernel.size.gradient_terms`); a larger one is built in the workers,
  under their limits, and one too large to check is refused on its rows.
- Results are written under the output policy (:mod:`symbackprop.files`).  Cells that a spreadsheet would
  run as a formula get a leading apostrophe, which :func:`read_answers` removes again: a results file
  graded again gives the same verdicts.
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import math
import multiprocessing
import os
import re
import sys
import time
import warnings
from collections import deque
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection, wait
from typing import IO, Callable, Iterable, Iterator, Mapping, Sequence

from .. import files
from .._kernel.size import gradient_terms
from ..errors import ExpressionSyntaxError, SymbackpropError
from ..limits import checked_time_limit, checked_workers, end_after, limit_memory
from ..network import MLP
from ..statuses import AnswerStatus
from ..strict_json import MAX_TABLE_BYTES, read_file_bytes
from ..tables import guarded, read_table, unguarded
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
GRADED = (AnswerStatus.CORRECT, AnswerStatus.WRONG, AnswerStatus.SYNTAX_ERROR)
"""Verdicts of rows that were graded; any other (undecided, timeout, error) needs a person."""
_WARM_TERMS = 20_000  # parameters whose gradient multiplies out to at most this many terms are prepared before forking
_START_LIMIT = 60.0  # seconds for a worker to start
_AHEAD_BYTES = 16_000  # characters of answers sent to a worker that is still busy
_REPORT_EVERY = 0.05  # seconds between a worker's messages with results


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
            row[column] = guarded(row[column])
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

def read_answers(source: str | os.PathLike | IO[str]) -> list[dict[str, object]]:
    """Rows of a CSV with the column ``answer`` and optionally ``id`` and ``wrt`` (header names in any
    case), read strictly (:func:`~symbackprop.tables.read_table`).  Each row is a dict with ``id``,
    ``answer``, ``wrt``, ``line`` (its line in the file) and ``problem``: a row that cannot be read as it
    stands has ``problem`` saying why (and ``answer`` whatever could be read of it), so it becomes an
    error row instead of being dropped.  A results file written by :func:`write_results` can be read again: the apostrophe
    that kept a cell from being run as a formula is removed.

    Raises :class:`~symbackprop.errors.DataError` only for the whole file (unreadable, empty, no answer
    column)."""
    undecodable: set[int] = set()  # lines that are not UTF-8: error rows, not a refused class
    if isinstance(source, (str, os.PathLike)):
        label = os.fspath(source)
        text, undecodable = _decoded(read_file_bytes(source, max_bytes=MAX_TABLE_BYTES))
    else:
        label = getattr(source, "name", "the CSV")
        text = source.read()
    text = text.lstrip("\ufeff")
    table = read_table(io.StringIO(text), required=["answer"], optional=["id", "wrt"], key=("id",), name=label)  # id: a key when present
    rows: list[dict[str, object]] = []
    for row in table.rows:
        values = {name: unguarded(row.values.get(name)) for name in ("id", "answer", "wrt")}
        if row.line in undecodable:
            rows.append({**values, "id": values["id"] or f"line {row.line}", "line": row.line,
                         "problem": f"line {row.line}: not UTF-8 text; save the file as UTF-8 CSV"})
            continue
        rows.append({**values, "id": values["id"] or f"line {row.line}", "wrt": values["wrt"] or None, "line": row.line, "problem": None})
    for problem in table.problems:
        identifier = unguarded(problem.values.get("id")) or f"line {problem.line}"
        rows.append({"id": identifier, "answer": unguarded(problem.values.get("answer")), "wrt": unguarded(problem.values.get("wrt")) or None,
                     "line": problem.line, "problem": f"line {problem.line}: {problem.message}"})
    rows.sort(key=lambda row: row["line"])  # type: ignore[arg-type, return-value]
    return rows


def _decoded(data: bytes) -> tuple[str, set[int]]:
    """The text of a file and the numbers of its lines that are not UTF-8 (their bad bytes become U+FFFD),
    so that only those rows become error rows.  Lines are counted as :func:`~symbackprop.tables.read_table`
    counts them."""
    text = data.decode("utf-8", errors="surrogateescape")
    bad = {number for number, line in enumerate(text.splitlines(), start=1) if _SURROGATE.search(line)}
    return _SURROGATE.sub("\ufffd", text), bad


_SURROGATE = re.compile("[\udc80-\udcff]")




def write_results(
    target: str | os.PathLike | IO[str],
    graded: Sequence[GradedAnswer],
    *,
    inputs: Iterable[str | os.PathLike] = (),
    force: bool = False,
) -> None:
    """Write the results CSV (columns :data:`RESULT_COLUMNS`) to a handle, or to a path under the output
    policy (:func:`symbackprop.files.write_text`: never over one of ``inputs``, nor over a file that is
    not a results CSV unless ``force``; atomically)."""
    if isinstance(target, (str, os.PathLike)):
        files.write_text(target, results_text(graded), inputs=inputs, force=force, csv_header=RESULT_COLUMNS)
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
            results[index] = GradedAnswer(task[0], str(task[2] or ""), str(task[1] or ""), ERROR, feedback=str(problem))
        else:
            todo.append((index, task))
    count = (os.cpu_count() or 1) if workers is None else checked_workers(workers, name="workers", zero=True)
    warm_network(net, [task[2] for _, task in todo])
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
    """Build the shared context, and what each named parameter needs, in this process — before workers
    are forked, so that they share it.  Only what is cheap to build: a parameter whose gradient multiplies
    out to more than a few thousand terms is left to the workers, which build it under their limits."""
    parameters = []
    for name in set(str(name).strip() for name in names if name):
        try:
            parameter = net.parameter(name)
        except SymbackpropError:
            continue  # reported on its own row
        if gradient_terms(net, net.parameter_info(parameter).layer) <= _WARM_TERMS:
            parameters.append(parameter)
    warm_context(context_for(net), parameters)


def _progress_bar(total: int, enabled: bool):  # noqa: ANN202 - a tqdm bar
    from tqdm import tqdm

    class _Bar(tqdm):
        monitor_interval = 0  # no monitor thread: worker processes are forked while the bar exists

    shown = enabled and sys.stderr.isatty()  # a bar is for a person at a terminal, not for a log file
    return _Bar(total=total, disable=not shown, unit="answer", file=sys.stderr, dynamic_ncols=True)


class _Worker:
    def __init__(self, process: multiprocessing.Process, connection: Connection, progress) -> None:  # noqa: ANN001
        self.process = process
        self.connection = connection
        self.progress = progress  # shared with the worker: [index of the answer it is on (-1: none), when it began]
        self.ready = False
        self.batch: dict[int, Task] = {}  # sent and not yet answered, in order
        self.sent = time.monotonic()  # when its batch was sent to an idle worker (or the worker was started)

    def running(self) -> tuple[int, float]:
        """The answer the worker is on and since when (the first unanswered one, since it was sent, when
        the worker has not begun its batch yet)."""
        index = int(self.progress[0])
        started = self.progress[1]
        if index in self.batch:
            return index, started
        return next(iter(self.batch)), self.sent


class WorkerPool:
    """Worker processes fed answers in batches; each answer has its own hard time limit, so one that runs
    too long is killed alone (the rest of its batch is sent again).  A worker reports which answer it is
    on through shared memory and sends its results in groups, so that grading costs few messages."""

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
        self._time_limit = time_limit = checked_time_limit(time_limit)
        size = checked_workers(size, name="workers")
        self._hard_limit = 2 * time_limit + 5
        self._report = report
        self._job = grade_answer if job is None else job
        self._handler = handler
        self._failed_starts = 0
        # Everything built so far (the network, its context) is shared by the forked workers; frozen, the
        # garbage collector neither walks it in each worker nor copies its pages by touching them.  Only the
        # young generations are collected first: a full collection walks every object of this process (46 ms
        # after the imports, more in a notebook), as long as grading 50 answers, before any worker starts.
        gc.collect(1)
        gc.freeze()
        self._workers = [self._start() for _ in range(size)]

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        progress = self._context.RawArray("d", [-1.0, 0.0])
        run = self._handler.run if self._handler is not None else None
        process = self._context.Process(
            target=_worker_main,
            args=(child, self._network, self._time_limit, self._report, self._job, progress, run),
            daemon=True,
        )
        with warnings.catch_warnings():
            # Python ≥ 3.12 warns that forking a process with native threads (e.g. BLAS) may deadlock;
            # workers only run Python, SymEngine and mpmath code, and fork lets them share the built context.
            warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
            process.start()
        child.close()
        return _Worker(process, parent, progress)

    def _replace(self, worker: _Worker) -> None:
        if not worker.ready:
            self._failed_starts += 1
            if self._failed_starts > 3:
                self.close()
                raise SymbackpropError("the grading worker processes could not start")
        _stop(worker)
        self._workers[self._workers.index(worker)] = self._start()

    def _batch_size(self, pending: int) -> int:
        """Large batches while there is much to do, single answers at the end (so no worker idles)."""
        return max(1, min(32, pending // (4 * len(self._workers))))

    def run(self, todo: list[tuple[int, Task]]) -> Iterator[tuple[int, GradedAnswer]]:
        pending = deque(todo)
        while pending or any(worker.batch for worker in self._workers):
            for worker in self._workers:
                if worker.ready and pending:
                    self._feed(worker, pending)
            now = time.monotonic()
            deadlines = [worker.running()[1] + self._hard_limit for worker in self._workers if worker.batch]
            deadlines += [worker.sent + _START_LIMIT for worker in self._workers if not worker.ready]
            timeout = max(0.01, min(min(deadlines, default=now + 1.0) - now, 1.0))
            ready = wait([worker.connection for worker in self._workers], timeout=timeout)
            for worker in list(self._workers):
                if worker.connection in ready:
                    yield from self._receive(worker, pending)
                elif worker.batch and time.monotonic() - worker.running()[1] > self._hard_limit:
                    index, task = self._give_back(worker, pending)
                    self._replace(worker)
                    yield index, self._failure(
                        task, TIMEOUT, f"stopped after {self._hard_limit:g} s",
                        f"checking this answer took longer than {self._hard_limit:g} s and was stopped",
                    )
                elif not worker.ready and time.monotonic() - worker.sent > _START_LIMIT:
                    self._replace(worker)

    def _give_back(self, worker: _Worker, pending: deque) -> tuple[int, Task]:
        """The answer a stopped worker was on; the rest of its batch goes back to the front of the queue
        (answers it had done but not yet reported are graded again elsewhere)."""
        index, _ = worker.running()
        task = worker.batch.pop(index)
        pending.extendleft(reversed(list(worker.batch.items())))
        worker.batch.clear()
        return index, task

    def _feed(self, worker: _Worker, pending: deque) -> None:
        """Send a worker its next batch — already while it works on the second half of the previous one,
        so that it never waits for this process to be scheduled.  Ahead of time only a small batch is sent
        (a few kilobytes: it fits in the pipe, so neither side can block the other on a full one); a batch
        with long answers waits until the worker is idle, reading."""
        size = self._batch_size(len(pending))
        if worker.batch:
            if len(worker.batch) > max(1, size // 2):
                return
            if sum(_task_size(task) for _, task in itertools.islice(pending, size)) > _AHEAD_BYTES:
                return
        chunk = [pending.popleft() for _ in range(min(size, len(pending)))]
        if not worker.batch:
            worker.sent = time.monotonic()
        worker.batch.update(chunk)
        worker.connection.send(chunk)

    def _receive(self, worker: _Worker, pending: deque) -> Iterator[tuple[int, GradedAnswer]]:
        """Every message waiting from one worker: 'ready', a group of answers of its batch, or its end."""
        while True:
            try:
                message = worker.connection.recv()
            except (EOFError, OSError):
                message = None
            if message == "ready":
                worker.ready = True
            elif message is None:  # the worker died
                if worker.batch:
                    index, task = self._give_back(worker, pending)
                    yield index, self._failure(
                        task, ERROR, "", "the checker's process stopped while grading this answer (for example out of memory)"
                    )
                self._replace(worker)
                return
            else:
                for index, graded in message:
                    worker.batch.pop(index, None)
                    yield index, graded
            try:
                if not worker.connection.poll():
                    return
            except (EOFError, OSError):
                continue

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
        gc.unfreeze()


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


def _task_size(task: object) -> int:
    """Characters a task sends to a worker (its strings, roughly)."""
    if isinstance(task, tuple):
        return sum(len(str(item or "")) for item in task)
    return len(repr(task))


def _worker_main(  # pragma: no cover - runs in a child
    connection: Connection,
    network: MLP | dict | None,
    time_limit: float,
    report: bool,
    job: Job = grade_answer,
    progress=None,  # noqa: ANN001
    run: Callable[[object], object] | None = None,
) -> None:
    """A worker: answers (``job`` on the network) or, with ``run``, any task of a :class:`Handler`."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    limit_memory()
    if run is None:
        net = network if isinstance(network, MLP) else MLP(**network)  # type: ignore[arg-type]

        def run(task: object) -> object:
            identifier, answer, wrt = task  # type: ignore[misc]
            return job(net, identifier, answer, wrt, time_limit=time_limit, report=report)

    progress = progress if progress is not None else [-1.0, 0.0]
    connection.send("ready")  # what checking needs is built on the first answer, within its time limit
    while True:
        try:
            batch = connection.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        done: list[tuple[int, object]] = []
        reported = time.monotonic()
        for position, (index, task) in enumerate(batch):
            progress[1] = time.monotonic()  # first when, then which: the parent reads which, then when
            progress[0] = index
            end_after(math.ceil(2 * time_limit) + 15)  # the parent kills it at 2T + 5 s, unless the parent is gone
            done.append((index, run(task)))
            end_after(0)
            if position == len(batch) - 1 or time.monotonic() - reported > _REPORT_EVERY:
                connection.send(done)
                done, reported = [], time.monotonic()
        progress[0] = -1


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
    (forked workers fed in batches, each task killed after ``2·time_limit + 5`` s, a memory limit per worker) —
    and yield ``(index, result)`` as results come in.  ``warm`` runs in the parent before forking, so that
    workers share what it builds.  ``workers=0`` runs the tasks in this process (no hard limit)."""
    checked_workers(workers, name="workers", zero=True)
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


def check_isolated(net: MLP, wrt: str, answer: str, *, time_limit: float = 10.0) -> GradedAnswer:
    """Check one answer in a worker process with capped memory and a hard time limit (what ``symbackprop
    check`` uses).  Everything the check needs is built in the worker, within those limits."""
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

