"""CPU burners for tests and benchmarks of the lab under load (bounded in time, stopped on exit)."""

import contextlib
import multiprocessing
import os
import time


def _burn(seconds):
    deadline = time.monotonic() + seconds
    value = 0
    while time.monotonic() < deadline:
        value = (value * 31 + 7) % 1000003


@contextlib.contextmanager
def cpu_burners(count=None, seconds=600):
    """Keep ``count`` processes (default: one per core) busy for at most ``seconds``; stop them when the block ends."""
    workers = [multiprocessing.Process(target=_burn, args=(seconds,), daemon=True) for _index in range(count or os.cpu_count() or 1)]
    for worker in workers:
        worker.start()
    try:
        yield workers
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(5)
