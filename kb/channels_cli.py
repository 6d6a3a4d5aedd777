"""`flask kb mail ...` and `flask kb alerts ...`: the outbox sender and saved-search digests."""
from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from . import alerts, mail
from .cli import SwedishCommand, SwedishGroup, option  # cli.py imports this module last, after defining it
from .extensions import db
from .models import OutboxMessage

mail_cli = SwedishGroup("mail", help=_l("Utkorgen för e-post: skicka och visa läget."))
alerts_cli = SwedishGroup("alerts", help=_l("Bevakningar av sökningar."))


def _round(with_digests: bool) -> mail.DeliveryReport:
    if with_digests:
        digests = alerts.send_due_digests()
        if digests:
            click.echo(ngettext("%(num)s sammanfattningar lades i utkorgen.", "%(num)s sammanfattningar lades i utkorgen.", digests))
    report = mail.deliver_due()
    if report.sent or report.retry or report.failed:
        click.echo(_("Skickade %(sent)s, försöker igen senare %(retry)s, gav upp %(failed)s.", sent=len(report.sent),
                     retry=len(report.retry), failed=len(report.failed)))
    return report


@mail_cli.command("send", help=_l("Räkna fram sammanfattningar som är dags, skicka sedan varje meddelande som väntar (SMTP, eller .eml-filer utan KB_SMTP_URL)."))
@option("--every", type=click.IntRange(min=1), help=_l("Fortsätt köra: en omgång var N:e sekund."))
@option("--no-digests", is_flag=True, help=_l("Skicka bara; räkna inte fram sammanfattningar av bevakningar först."))
def send_command(every: int | None, no_digests: bool) -> None:
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
            echo(_("Utskicket misslyckades (%(error)s); nytt försök om %(n)s s.", error=f"{type(exc).__name__}: {exc}", n=every),
                 err=True)
        finally:
            db.session.remove()
        if every is None:
            return
        time.sleep(every)


@mail_cli.command("status", help=_l("Räkna väntande, skickade och misslyckade meddelanden; lista de senaste problemen."))
def status_command() -> None:
    counts = mail.status()
    click.echo(_("Väntar: %(pending)s, skickade: %(sent)s, misslyckade: %(failed)s", pending=counts["pending"], sent=counts["sent"],
                 failed=counts["failed"]))
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error != "")
        .order_by(OutboxMessage.id.desc()).limit(10)
    )
    for row in rows:
        state = _("gav upp") if row.failed_at else _("nästa försök %(when)s UTC",
                                                      when=f"{mail.aware(row.next_attempt_at):%Y-%m-%d %H:%M}")
        click.echo("  " + _("#%(id)s %(kind)s till %(to)s: %(attempts)s försök, %(state)s: %(error)s", id=row.id, kind=row.kind,
                            to=row.to_addr, attempts=row.attempts, state=state, error=row.last_error[:200]))


@alerts_cli.command("send", help=_l("Lägg en sammanfattning i utkorgen för varje bevakning som är dags och har nya eller ändrade träffar."))
@option("--force", is_flag=True, help=_l("Strunta i schemat (dag/vecka): varje bekräftad bevakning med nyheter får en sammanfattning nu."))
def alerts_send_command(force: bool) -> None:
    count = alerts.send_due_digests(force=force)
    click.echo(ngettext("%(num)s sammanfattningar lades i utkorgen.", "%(num)s sammanfattningar lades i utkorgen.", count))


@click.command("bench-channels", cls=SwedishCommand, help=_l("Skriv ut tider: Atom-flödet, webbplatskartan och att bygga de öppna datafilerna (kallt, sedan cachat)."))
@option("--repeat", default=5, show_default=True, help=_l("Körningar per mätning."))
def bench_channels_command(repeat: int) -> None:
    import shutil
    import statistics
    from pathlib import Path

    from flask import current_app

    from . import opendata

    client = current_app.test_client()

    def timed(label: str, url: str) -> None:
        times = []
        for _run in range(repeat):
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
    opendata.build()
    click.echo(f"{'open data build (CSV+JSON+ZIP), cold':<34} {1000 * (time.perf_counter() - start):7.1f} ms")
    timed("GET /oppna-data/goda-exempel.zip", "/oppna-data/goda-exempel.zip")
