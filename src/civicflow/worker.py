"""The job executor: ``civicflow worker``. Runs due timers and service-task handlers.

Any number of worker processes on any number of machines may share one PostgreSQL database:
jobs are claimed with ``FOR UPDATE SKIP LOCKED`` and a lease, so a worker killed with
``kill -9`` loses nothing; its jobs are taken over once the lease expires. Handlers may
therefore run more than once (at-least-once); each job carries an ``idempotency_key``.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import signal
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

HandlerSetup = Callable[[Any], None]


class HandlerSetupError(ValueError):
    """``--handlers`` names no importable module with a ``register(engine)`` function."""


class WorkerProcessError(RuntimeError):
    """One or more worker processes of ``run_workers`` stopped with an error (each said why on
    stderr in one line)."""


def load_handlers(spec: str | None) -> HandlerSetup | None:
    """``package.module`` exposing ``register(engine)``, or ``package.module:function``."""
    if not spec:
        return None
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise HandlerSetupError(
            f"cannot import the handlers module {module_name!r} ({exc}); give a module that "
            "Python finds from the current folder or PYTHONPATH, e.g. --handlers my_handlers "
            "for my_handlers.py here."
        ) from exc
    except Exception as exc:  # the module itself is broken: say where, not a traceback
        raise HandlerSetupError(
            f"the handlers module {module_name!r} fails while it is imported: "
            f"{type(exc).__name__}: {exc}{_where(exc)}"
        ) from exc
    setup = getattr(module, attr or "register", None)
    if setup is None or not callable(setup):
        raise HandlerSetupError(
            f"{spec!r} has no {attr or 'register'}(engine) function; define one that calls "
            "engine.register_handler(type, fn) for each task type."
        )
    return setup  # type: ignore[no-any-return]


def _where(exc: BaseException) -> str:
    """`` (file.py, line N)`` of the innermost frame of ``exc``, for a broken handlers module."""
    if isinstance(exc, SyntaxError):
        return ""  # its message already ends with (file, line N)
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f" ({tb.tb_frame.f_code.co_filename}, line {tb.tb_lineno})" if tb else ""


def run_worker(url: str | None, *, handlers: str | None = None, worker_id: str | None = None,
               poll_seconds: float = 0.5, lease: timedelta = timedelta(seconds=30),
               batch: int = 50, stop: threading.Event | None = None,
               max_idle_polls: int | None = None) -> int:
    """Run jobs until ``stop`` is set (or, with ``max_idle_polls``, until idle that long).

    Returns how many jobs ran.
    """
    from civicflow.store.service import Engine

    engine = Engine.open(url)
    setup = load_handlers(handlers)
    if setup is not None:
        try:
            setup(engine)
        except Exception as exc:
            engine.close()
            raise HandlerSetupError(
                f"register(engine) of {handlers!r} failed: {type(exc).__name__}: {exc}"
                f"{_where(exc)}") from exc
    stop = stop or threading.Event()
    ran = 0
    idle = 0
    try:
        while not stop.is_set():
            n = engine.run_due_jobs(max_jobs=batch, worker_id=worker_id, lock_duration=lease,
                                    until_idle=False)
            ran += n
            if n:
                idle = 0
                continue
            idle += 1
            if max_idle_polls is not None and idle >= max_idle_polls:
                break
            stop.wait(poll_seconds)
    finally:
        engine.close()
    return ran


def _setter(stop: threading.Event) -> Callable[[int, Any], None]:
    """A signal handler that sets ``stop`` from another thread.

    Handlers run in the main thread between bytecodes, possibly while it holds the event's own
    (non-reentrant) lock inside ``stop.wait()``; calling ``stop.set()`` there would deadlock.
    """
    def handler(_signum: int, _frame: Any) -> None:
        threading.Thread(target=stop.set, daemon=True).start()

    return handler


def _child(url: str | None, handlers: str | None, index: int, poll: float,
           lease_seconds: float) -> None:
    stop = threading.Event()
    # Ctrl-C reaches the whole process group: finish the current job and stop quietly
    signal.signal(signal.SIGTERM, _setter(stop))
    signal.signal(signal.SIGINT, _setter(stop))
    try:
        run_worker(url, handlers=handlers, poll_seconds=poll, stop=stop,
                   lease=timedelta(seconds=lease_seconds))
    except HandlerSetupError as exc:
        _stopped(index, str(exc), 2)
    except Exception as exc:  # a process of its own: say why in one line, not a traceback
        _stopped(index, f"{type(exc).__name__}: {exc}".splitlines()[0], 1)


def _stopped(index: int, reason: str, code: int) -> None:
    print(f"civicflow worker process {index + 1} stopped: {reason}", file=sys.stderr)
    sys.exit(code)


def run_workers(url: str | None, *, concurrency: int, handlers: str | None,
                poll_seconds: float = 0.5, lease_seconds: float = 30.0) -> None:
    """Start ``concurrency`` worker processes and wait for them (Ctrl-C stops all)."""
    if concurrency <= 1:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, _setter(stop))
        with contextlib.suppress(KeyboardInterrupt):
            run_worker(url, handlers=handlers, poll_seconds=poll_seconds, stop=stop,
                       lease=timedelta(seconds=lease_seconds))
        return
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_child, args=(url, handlers, i, poll_seconds, lease_seconds))
             for i in range(concurrency)]
    for p in procs:
        p.start()
    try:
        for p in procs:
            p.join()
    except KeyboardInterrupt:
        for p in procs:
            p.terminate()
        for p in procs:
            p.join()
        return
    codes = [p.exitcode for p in procs]
    if 2 in codes:
        raise HandlerSetupError("the handlers module could not register its handlers (see above)")
    failed = [i + 1 for i, code in enumerate(codes) if code]
    if failed:
        raise WorkerProcessError(
            f"worker process(es) {', '.join(map(str, failed))} of {concurrency} stopped with an "
            "error or were killed (see above); jobs they held are taken over after their lease.")
