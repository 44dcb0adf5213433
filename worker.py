"""The RQ worker: `python worker.py [--burst] [--with-scheduler] [queue ...]`.

Queues default to lookups loyalty default. Runs inside the app context with RQ's scheduler on,
so retries with back-off and delayed jobs fire. `--with-scheduler` also runs RQ's cron
scheduler (panel/jobs/schedule.py) in a child process beside the worker, so one command runs
the periodic work too; `flask jobs schedule` runs it alone. Each job sets its own tenant scope
from its first argument.
"""
from __future__ import annotations

import multiprocessing
import sys

from rq import Worker

from panel import create_app
from panel.extensions import db
from panel.redis_conn import QUEUES, get_queue, redis_available, redis_connection


class AppWorker(Worker):
    """Forks a work horse per job; the horse must not reuse the parent's pooled connections."""

    def execute_job(self, job, queue):
        with self.app.app_context():
            db.engine.dispose(close=False)
            return super().execute_job(job, queue)


def run_cron_scheduler() -> None:
    """The cron scheduler's process: RQ's own loop, in a main thread of its own for its signals."""
    from panel.jobs.schedule import cron_scheduler

    app = create_app()
    with app.app_context():
        cron_scheduler(redis_connection()).start()


def main(argv: list[str]) -> int:
    burst = "--burst" in argv  # work off what is queued, then exit (tests, one-off runs)
    with_cron = "--with-scheduler" in argv
    names = [a for a in argv if a not in ("--burst", "--with-scheduler")] or list(QUEUES)
    app = create_app()
    with app.app_context():
        conn = redis_connection()
        if conn is None or not redis_available(max_age=0):
            # The quick start without Redis: the web process runs jobs itself, so this is no error.
            print("Redis is not answering: jobs run inside the web process; no worker started.")
            return 0
        queues = [get_queue(n) for n in names]
        worker = AppWorker(queues, connection=conn)
        worker.app = app
        cron = multiprocessing.Process(target=run_cron_scheduler, name="rq-cron", daemon=True) if with_cron else None
        if cron is not None:
            cron.start()
        try:
            worker.work(with_scheduler=True, burst=burst)
        finally:
            if cron is not None:
                cron.terminate()  # SIGTERM: RQ's scheduler stops and unregisters itself
                cron.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
