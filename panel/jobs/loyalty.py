"""The tier evaluation on the `loyalty` queue: Start on the page, POST /api/v1/loyalty/evaluations,
and the daily schedule (schedule.py, which calls services/loyalty/evaluation.scheduled).

The run is one transaction (tenant_job commits once): a worker killed half-way leaves nothing,
and RQ's next attempt, or the next Start, does the whole run again.
"""
from __future__ import annotations

from ..models import JobRun
from ..services.loyalty import evaluation
from . import set_progress, start_job, tenant_job

KIND = "tier_evaluation"
TIMEOUT = 1800


@tenant_job
def evaluate_tiers(run: JobRun) -> dict:
    return evaluation.evaluate(job_run_id=run.id, user_id=run.created_by_id,
                               progress=lambda percent, message: set_progress(run, percent, message))


def start(created_by_id: int | None) -> JobRun:
    """Queue an evaluation of the tenant in scope, as of the restaurant's today when it runs."""
    return start_job(KIND, evaluate_tiers, queue="loyalty", created_by_id=created_by_id, job_timeout=TIMEOUT)
