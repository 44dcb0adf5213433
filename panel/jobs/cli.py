"""`flask jobs ...`: the cron scheduler as a process of its own, and firing a scheduled job by hand."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..redis_conn import redis_available, redis_connection
from . import schedule

jobs_cli = AppGroup("jobs", help="Scheduled jobs.")


@jobs_cli.command("schedule")
def jobs_schedule():
    """Run RQ's cron scheduler: enqueues the scheduled jobs for the workers (Ctrl-C stops it)."""
    if not redis_available(max_age=0):
        raise click.ClickException("Redis is not answering: without it the web process fires the schedule itself.")
    schedule.cron_scheduler(redis_connection()).start()


@jobs_cli.command("fire")
@click.argument("what", type=click.Choice([e.what for e in schedule.SCHEDULE]))
def jobs_fire(what):
    """Fire a scheduled job now: once per tenant for this period, as the scheduler would."""
    sent = schedule.fan_out(what)
    click.echo(f"{what}: sent to {sent} tenant(s)")
