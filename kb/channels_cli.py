"""`flask kb mail ...` and `flask kb alerts ...`: the outbox sender and saved-search digests."""
from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from . import alerts, mail
from .extensions import db
from .models import OutboxMessage

mail_cli = AppGroup("mail", help="Deliver the e-mail outbox.")
alerts_cli = AppGroup("alerts", help="Saved-search alerts.")


def _round(with_digests: bool) -> mail.DeliveryReport:
    if with_digests:
        digests = alerts.send_due_digests()
        if digests:
            click.echo(f"{digests} sammanfattningar lades i utkorgen.")
    report = mail.deliver_due()
    if report.sent or report.retry or report.failed:
        click.echo(f"Skickade {len(report.sent)}, försöker igen senare {len(report.retry)}, gav upp {len(report.failed)}.")
    return report


@mail_cli.command("send")
@click.option("--every", type=click.IntRange(min=1), help="Keep running: one round every N seconds.")
@click.option("--no-digests", is_flag=True, help="Only deliver; do not compute saved-search digests first.")
def send_command(every: int | None, no_digests: bool) -> None:
    """Compute due alert digests, then deliver every due message (SMTP, or .eml files without KB_SMTP_URL)."""
    while True:
        try:
            _round(not no_digests)
        except Exception as exc:  # a database hiccup must not end the background sender
            db.session.rollback()
            if every is None:
                raise
            click.echo(f"Utskicket misslyckades ({type(exc).__name__}: {exc}); nytt försök om {every} s.", err=True)
        finally:
            db.session.remove()
        if every is None:
            return
        time.sleep(every)


@mail_cli.command("status")
def status_command() -> None:
    """Count pending, sent and failed messages; list the latest problems."""
    counts = mail.status()
    click.echo(f"Väntar: {counts['pending']}, skickade: {counts['sent']}, misslyckade: {counts['failed']}")
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error != "")
        .order_by(OutboxMessage.id.desc()).limit(10)
    )
    for row in rows:
        state = "gav upp" if row.failed_at else f"nästa försök {mail.aware(row.next_attempt_at):%Y-%m-%d %H:%M} UTC"
        click.echo(f"  #{row.id} {row.kind} till {row.to_addr}: {row.attempts} försök, {state}: {row.last_error[:200]}")


@alerts_cli.command("send")
@click.option("--force", is_flag=True, help="Ignore the daily/weekly schedule (every confirmed search with news gets a digest now).")
def alerts_send_command(force: bool) -> None:
    """Put a digest in the outbox for every saved search that is due and has new or changed matches."""
    count = alerts.send_due_digests(force=force)
    click.echo(f"{count} sammanfattningar lades i utkorgen.")


@click.command("bench-channels")
@click.option("--repeat", default=5, show_default=True, help="Runs per measurement.")
def bench_channels_command(repeat: int) -> None:
    """Print timings: the Atom feed, the sitemap, and building the open-data files (cold, then cached)."""
    import shutil
    import statistics
    from pathlib import Path

    from flask import current_app

    from . import opendata

    client = current_app.test_client()

    def timed(label: str, url: str) -> None:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            resp = client.get(url)
            resp.get_data()
            resp.close()
            times.append(1000 * (time.perf_counter() - start))
        click.echo(f"{label:<34} p50 {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms   ({len(resp.data)} bytes)")

    timed("GET /flode.atom (all)", "/flode.atom")
    timed("GET /flode.atom?county=20", "/flode.atom?county=20")
    timed("GET /sitemap.xml", "/sitemap.xml")
    cache = Path(current_app.config["KB_INSTANCE_PATH"]) / "opendata"
    shutil.rmtree(cache, ignore_errors=True)
    start = time.perf_counter()
    opendata.files()
    click.echo(f"{'open data build (CSV+JSON+ZIP), cold':<34} {1000 * (time.perf_counter() - start):7.1f} ms")
    timed("GET /oppna-data/goda-exempel.zip", "/oppna-data/goda-exempel.zip")
