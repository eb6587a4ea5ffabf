"""Large polls normalised in worker processes while the poller stores what is ready.

Normalising a job (tidying its text, parsing money and dates, hashing, validating) costs about
as much CPU as storing it, and both hold the GIL, so threads cannot overlap them. A year of
history or a busy feed's first poll is split into chunks that worker processes normalise while
the poller's process stores the chunks already done. Workers start from a ``forkserver`` (never
a fork of a process that runs Prefect's and the web app's threads) preloaded with the parsing
modules, and live for the rest of the process, so later large polls start at once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any

from bidflow.models import JobBase

log = logging.getLogger(__name__)

# Below this many items a poll is normalised in its own process: handing work to another
# process costs more than it saves for a few hundred jobs.
PARALLEL_FROM = 2_000
CHUNK = 1_000
# A chunk takes a worker well under a second; one that shows nothing for this long is stuck
# (stopped, swapping, or a pool that never noticed a dead worker), and its chunks are redone here.
STALL_S = 60.0

Labelled = Sequence[tuple[str, Any]]
Normalised = tuple[list[JobBase], list[str]]

_FIELDS = tuple(JobBase.model_fields)

_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def normalise_chunk(
    labelled: Labelled,
    mapping: Mapping[str, str],
    source: str,
    fetched_at: datetime,
    html_descriptions: bool,
) -> Normalised:
    """``(label, item)`` pairs as jobs, and one problem line per item that cannot be a job or
    lost an optional field, starting with its label ("jobs.json: item 4")."""
    from connectors.feeds.items import normalize_item  # items imports this module

    jobs: list[JobBase] = []
    problems: list[str] = []
    for label, item in labelled:
        try:
            job, notes = normalize_item(
                item,
                mapping,
                source=source,
                fetched_at=fetched_at,
                html_descriptions=html_descriptions,
            )
        except ValueError as exc:
            problems.append(f"{label}: {exc}; skipped")
            continue
        jobs.append(job)
        problems.extend(f"{label}: {note}" for note in notes)
    return jobs, problems


def _normalise_for_transfer(
    labelled: Labelled,
    mapping: Mapping[str, str],
    source: str,
    fetched_at: datetime,
    html_descriptions: bool,
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """``normalise_chunk`` in a worker: each job as its field values in declaration order,
    which cross the process boundary several times faster than pickled models."""
    jobs, problems = normalise_chunk(labelled, mapping, source, fetched_at, html_descriptions)
    return [tuple(job.__dict__.values()) for job in jobs], problems


def _rebuilt(values: tuple[Any, ...]) -> JobBase:
    """A job from the values a worker validated, without validating them again: the same
    steps as pydantic's own unpickling."""
    # object.__new__: SQLModel's own __new__ sets the private attributes below a second time.
    job: JobBase = object.__new__(JobBase)
    object.__setattr__(job, "__dict__", dict(zip(_FIELDS, values, strict=True)))
    object.__setattr__(job, "__pydantic_fields_set__", set(_FIELDS))
    object.__setattr__(job, "__pydantic_extra__", None)
    object.__setattr__(job, "__pydantic_private__", None)
    return job


def warm_up(workers: int) -> None:
    """Start the worker processes now (they take about a second to import the parsers), so
    they are ready by the time a large poll has been read."""
    pool = _usable_pool(workers)
    try:
        if pool is not None:
            pool.submit(int)
    except (BrokenProcessPool, RuntimeError) as exc:
        _discard_pool(f"ingest workers stopped ({exc})")


def normalised_in_workers(
    labelled: Labelled,
    mapping: Mapping[str, str],
    *,
    source: str,
    fetched_at: datetime,
    html_descriptions: bool,
    workers: int,
) -> Iterator[Normalised]:
    """Chunks of ``labelled`` normalised by ``workers`` processes and by this one, yielded as
    each is ready (not in order; the problem lines come last, in item order).

    Workers take chunks from the front, one queued beyond each running one; whenever none is
    ready, this process takes the last chunk not handed out, so it never waits while there is
    work (while the workers start, for one). Nothing handed out is ever cancelled: Python
    3.11's pool cannot report a dead worker once a queued call was cancelled. A pool that
    cannot start or dies (a worker killed for memory) costs nothing but speed: the chunks it
    did not deliver are normalised here.
    """
    chunks = [labelled[i : i + CHUNK] for i in range(0, len(labelled), CHUNK)]
    arguments = (dict(mapping), source, fetched_at, html_descriptions)
    problems: dict[int, list[str]] = {}
    waiting = list(range(len(chunks)))
    handed: dict[int, Future[tuple[list[tuple[Any, ...]], list[str]]]] = {}
    pool = _usable_pool(workers)
    while waiting or handed:
        while pool is not None and waiting and len(handed) <= workers:
            try:
                handed[waiting[0]] = pool.submit(
                    _normalise_for_transfer, chunks[waiting[0]], *arguments
                )
            except (BrokenProcessPool, RuntimeError) as exc:
                _discard_pool(f"ingest workers stopped ({exc})")
                pool = None
                break
            waiting.pop(0)
        ready = next((number for number, future in handed.items() if future.done()), None)
        if ready is None and waiting:
            number = waiting.pop()
            jobs, problems[number] = normalise_chunk(chunks[number], *arguments)
            yield jobs, []
            continue
        if ready is None:
            done, _ = wait(handed.values(), timeout=STALL_S, return_when=FIRST_COMPLETED)
            if not done:  # a worker that neither works nor dies: stop waiting for the pool
                _discard_pool(f"no ingest worker finished a chunk in {STALL_S:.0f} s")
                pool = None
                waiting = sorted([*waiting, *handed])
                handed.clear()
            continue
        try:
            rows, problems[ready] = handed.pop(ready).result()
        except BrokenProcessPool as exc:
            _discard_pool(f"an ingest worker died ({exc})")
            pool = None
            waiting = sorted([*waiting, ready, *handed])  # they fail the same way; do them here
            handed.clear()
            continue
        yield [_rebuilt(values) for values in rows], []
    yield [], [line for number in sorted(problems) for line in problems[number]]


def _usable_pool(workers: int) -> ProcessPoolExecutor | None:
    try:
        return _shared_pool(workers)
    except (OSError, RuntimeError) as exc:
        _discard_pool(f"cannot start ingest workers ({exc})")
        return None


def _shared_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size != workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=False)
            context = multiprocessing.get_context(_start_method())
            if _start_method() == "forkserver":
                context.set_forkserver_preload(["connectors.feeds.items"])
            _pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=_exit_with,
                initargs=(os.getpid(),),
            )
            _pool_size = workers
        return _pool


def _exit_with(poller: int) -> None:
    """Make a worker end when the poller that started it ends, however it ends.

    A poller killed outright (SIGKILL, out of memory) never tells its workers, and a pool
    worker waits for work forever on a queue it holds both ends of; the forkserver in turn
    waits for its workers. A watch on the poller's pid ends them all within a second.
    """

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(poller, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass  # alive, under another user: cannot happen for our own parent, but harmless

    threading.Thread(target=watch, name="bidflow-poller-watch", daemon=True).start()


def _discard_pool(why: str) -> None:
    """Forget the shared pool; the next large poll starts a new one."""
    global _pool
    log.warning("%s; normalising in the poller's process instead", why)
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool = None


def _start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
