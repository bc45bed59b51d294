"""Jobs run in forked worker processes, each with a hard time limit, and workers that end
with the process that started them.

A job over its time limit is stopped by killing its worker, which holds whatever the job is
stuck in (a Python loop or a single call into C, such as a regular expression or the HTML
sanitiser), and a new worker takes the remaining jobs. Workers are forked, so they start with
every module already imported and with whatever the parent set up for them.
"""

import ctypes
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait

# prctl(PR_SET_PDEATHSIG) (Linux): the kernel sends the signal to a process when the thread
# that forked it ends, whether that thread returns, raises or is killed with SIGKILL.
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Stopped:
    """Why a job has no result: it ran over its time limit, or its worker died."""

    reason: str


class JobError(Exception):
    """A job raised in its worker; the message is the worker's exception."""


def end_with_parent(parent_pid):
    """Have this (forked) process killed when its parent ends, however it ends."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent ended before prctl took effect
        os._exit(1)


def _serve(function, connection, parent_pid, niceness):
    end_with_parent(parent_pid)
    os.nice(niceness)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        job = connection.recv()
        try:
            outcome = function(job)
        except Exception as error:  # the parent raises it as its own
            outcome = JobError(f"{type(error).__name__}: {error}")
        connection.send(outcome)


class _Worker:
    def __init__(self, context, function, niceness):
        self.connection, child_end = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(function, child_end, os.getpid(), niceness), daemon=True
        )
        self.process.start()
        child_end.close()
        self.job = None  # (index, deadline) of the job it is running
        self.alive = True

    def give(self, index, job, time_limit):
        self.connection.send(job)
        self.job = (index, time.monotonic() + time_limit)

    def stop(self, wait=True):
        """Kill it. Not waiting leaves the kernel to free its memory while this process goes
        on; multiprocessing collects its exit status later."""
        if self.alive:
            self.process.kill()
            if wait:
                self.process.join()
            self.connection.close()
            self.alive = False


def run_jobs(function, jobs, *, workers, time_limit, niceness=0):
    """`function(job)` for each of `jobs`, in order, each run in one of `workers` forked
    processes, `niceness` lower in priority than this one. A job still running after
    `time_limit` seconds is stopped: its place in the results holds a Stopped. A job that
    raised raises JobError here.

    Outside Linux the jobs run in this process, one after the other and without a limit."""
    if not sys.platform.startswith("linux"):
        yield from map(function, jobs)
        return
    jobs = list(jobs)
    context = multiprocessing.get_context("fork")
    waiting = deque(enumerate(jobs))
    done = {}
    pool = []
    try:
        for _ in range(min(workers, len(jobs))):
            pool.append(_Worker(context, function, niceness))
        for worker in pool:
            worker.give(*waiting.popleft(), time_limit)
        for index in range(len(jobs)):
            while index not in done:
                _wait_for_results(pool, done, time_limit)
                for position, worker in enumerate(pool):
                    if not worker.alive and waiting:
                        pool[position] = worker = _Worker(context, function, niceness)
                    if worker.job is None and waiting:
                        worker.give(*waiting.popleft(), time_limit)
            outcome = done.pop(index)
            if isinstance(outcome, JobError):
                raise outcome
            yield outcome
    finally:
        for worker in pool:  # an idle worker has nothing to finish
            worker.stop(wait=False)


def _wait_for_results(pool, done, time_limit):
    busy = [worker for worker in pool if worker.job is not None]
    earliest = min(worker.job[1] for worker in busy)
    ready = wait([worker.connection for worker in busy], max(earliest - time.monotonic(), 0))
    now = time.monotonic()
    for worker in busy:
        index, deadline = worker.job
        if worker.connection in ready:
            try:
                done[index] = worker.connection.recv()
            except (EOFError, OSError):
                worker.stop()
                code = worker.process.exitcode
                done[index] = Stopped(f"its process ended with exit code {code}")
        elif now >= deadline:
            worker.stop()
            done[index] = Stopped(f"it took more than {time_limit:g} s")
        else:
            continue
        worker.job = None
