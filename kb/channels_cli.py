"""`flask kb mail ...` and `flask kb alerts ...`: the outbox sender and saved-search digests."""
from __future__ import annotations

import time

import click
import sqlalchemy as sa

from . import alerts, mail
from .cli import SwedishCommand, SwedishGroup  # cli.py imports this module last, after defining it
from .extensions import db
from .models import OutboxMessage

mail_cli = SwedishGroup("mail", help="Utkorgen för e-post: skicka och visa läget.")
alerts_cli = SwedishGroup("alerts", help="Bevakningar av sökningar.")


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
@click.option("--every", type=click.IntRange(min=1), help="Fortsätt köra: en omgång var N:e sekund.")
@click.option("--no-digests", is_flag=True, help="Skicka bara; räkna inte fram sammanfattningar av bevakningar först.")
def send_command(every: int | None, no_digests: bool) -> None:
    """Räkna fram sammanfattningar som är dags, skicka sedan varje meddelande som väntar (SMTP, eller .eml-filer utan KB_SMTP_URL)."""
    sender_loop(every, not no_digests, click.echo)


def sender_loop(every: int | None, with_digests: bool, echo) -> None:
    """Delivery rounds (with an app context); with `every`, forever, surviving any one failed round."""
    while True:
        try:
            _round(with_digests)
        except Exception as exc:  # a database hiccup must not end the background sender
            db.session.rollback()
            if every is None:
                raise
            echo(f"Utskicket misslyckades ({type(exc).__name__}: {exc}); nytt försök om {every} s.", err=True)
        finally:
            db.session.remove()
        if every is None:
            return
        time.sleep(every)


@mail_cli.command("status")
def status_command() -> None:
    """Räkna väntande, skickade och misslyckade meddelanden; lista de senaste problemen."""
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
@click.option("--force", is_flag=True, help="Strunta i schemat (dag/vecka): varje bekräftad bevakning med nyheter får en sammanfattning nu.")
def alerts_send_command(force: bool) -> None:
    """Lägg en sammanfattning i utkorgen för varje bevakning som är dags och har nya eller ändrade träffar."""
    count = alerts.send_due_digests(force=force)
    click.echo(f"{count} sammanfattningar lades i utkorgen.")


@click.command("bench-channels", cls=SwedishCommand)
@click.option("--repeat", default=5, show_default=True, help="Körningar per mätning.")
def bench_channels_command(repeat: int) -> None:
    """Skriv ut tider: Atom-flödet, webbplatskartan och att bygga de öppna datafilerna (kallt, sedan cachat)."""
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
