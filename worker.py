"""The RQ worker: `python worker.py [--burst] [queue ...]` (default: lookups loyalty default).

Runs inside the app context with the scheduler on, so retries with back-off and scheduled
jobs fire. Each job sets its own tenant scope from its first argument.
"""
from __future__ import annotations

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


def main(argv: list[str]) -> int:
    burst = "--burst" in argv  # work off what is queued, then exit (tests, one-off runs)
    names = [a for a in argv if a != "--burst"] or list(QUEUES)
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
        worker.work(with_scheduler=True, burst=burst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
