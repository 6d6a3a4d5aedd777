"""`flask kb ...`: load, export, reindex, check."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from . import content, services
from .extensions import db

kb_cli = AppGroup("kb", help="Goda exempel: content, search index and maintenance.")


def _content_dir(path: str | None) -> Path:
    return Path(path) if path else Path(current_app.config["KB_CONTENT_DIR"])


@kb_cli.command("load")
@click.argument("path", required=False, type=click.Path(file_okay=False))
def load_command(path: str | None) -> None:
    """Validate every file in PATH (default: content/), then upsert all examples in one transaction."""
    root = _content_dir(path)
    try:
        report = services.load_content(root)
        db.session.commit()
    except content.ContentInvalid as exc:
        db.session.rollback()
        click.echo(f"Inget laddades: {len(exc.errors)} fel i {root}:", err=True)
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        sys.exit(1)
    except Exception:
        db.session.rollback()
        raise
    # The index is updated only after the commit; a missing index is rebuilt whole.
    if not services.search_index().ensure():  # a fresh rebuild already holds every change
        services.reindex_entries(report.changed)
    click.echo(
        f"Laddade {root}: {len(report.created)} nya, {len(report.updated)} ändrade, "
        f"{len(report.unchanged)} oförändrade exempel; {report.categories} kategorier; "
        f"{report.places_changed} platser uppdaterade"
        + ("; ny version av synonymlistan." if report.synonyms_changed else ".")
    )
    for skipped in report.skipped:
        click.echo(f"  hoppade över {skipped}: inte publicerat i databasen", err=True)


@kb_cli.command("export")
@click.argument("path", required=False, type=click.Path(file_okay=False))
def export_command(path: str | None) -> None:
    """Write every published example to PATH (default: content/) in the canonical file format."""
    root = _content_dir(path)
    written = services.export_content(root)
    click.echo(f"Skrev {len(written)} filer till {root}.")


@kb_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database (new generation, swapped in atomically)."""
    count = services.search_index().rebuild()
    click.echo(f"Sökindexet byggdes om: {count} publicerade exempel.")


@kb_cli.command("check")
@click.option("--repair", is_flag=True, help="Rebuild the index when it differs from the database.")
def check_command(repair: bool) -> None:
    """Compare the search index with the database and report every difference."""
    index = services.search_index()
    ok, reason = index.status()
    if not ok:
        click.echo(f"Sökindexet går inte att använda: {reason}")
        if repair:
            index.rebuild()
            click.echo("Reparerat: indexet byggdes om.")
            return
        sys.exit(1)
    in_db = {e.slug for e in services.published_entries()}
    in_index = index.slugs()
    missing, extra = sorted(in_db - in_index), sorted(in_index - in_db)
    for slug in missing:
        click.echo(f"saknas i indexet: {slug}")
    for slug in extra:
        click.echo(f"finns i indexet men är inte publicerat: {slug}")
    if not missing and not extra:
        click.echo(f"Indexet stämmer med databasen: {len(in_db)} publicerade exempel.")
        return
    if repair:
        index.rebuild()
        click.echo("Reparerat: indexet byggdes om.")
        return
    sys.exit(1)


@kb_cli.command("bench")
@click.option("--repeat", default=20, show_default=True, help="Runs per query.")
def bench_command(repeat: int) -> None:
    """Measure and print: Markdown rendering of hostile input, and search latency (p50/p95)."""
    import statistics
    import time

    from .render import render_markdown
    from .search.query import SearchParams, run

    for label, text in (("8 000 '['", "[" * 8000), ("8 000 '!['", "![" * 4000), ("50 000 chars prose", "ord " * 12_500)):
        start = time.perf_counter()
        render_markdown(text)
        click.echo(f"render {label:<22} {1000 * (time.perf_counter() - start):8.1f} ms")

    index = services.search_index()
    queries = ["villor", "kollektivtrafik", "anläggningsboende", "regional överenskommelse", "skola borlänge",
               "bostad", '"eget boende"', "orebro", "", "sfi"]
    samples: list[float] = []
    for q in queries:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            run(index, SearchParams(q=q, per_page=10))
            times.append(1000 * (time.perf_counter() - start))
        samples += times
        click.echo(f"search {q!r:<28} p50 {statistics.median(times):6.1f} ms   max {max(times):6.1f} ms")
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    click.echo(f"search all ({len(samples)} runs, facets + snippets included): p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms")

    from .search.suggest import suggestions
    from .views import catalog

    categories = catalog.categories()
    times = []
    with current_app.test_request_context():
        for prefix in ("bo", "bost", "borl", "kol", "sfi", "dal", "ägar", "praktik") * repeat:
            start = time.perf_counter()
            suggestions(index, prefix, categories)
            times.append(1000 * (time.perf_counter() - start))
    times.sort()
    click.echo(f"suggest ({len(times)} prefixes): p50 {statistics.median(times):.2f} ms, p95 {times[int(0.95 * (len(times) - 1))]:.2f} ms")


# --------------------------------------------------------------------------- users

user_cli = AppGroup("user", help="Accounts: add, list, disable, enable, set-password.")
kb_cli.add_command(user_cli)


def _cli_actor():
    from .audit import Actor

    return Actor(None, "cli")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Lösenord", hide_input=True, confirmation_prompt="Upprepa lösenordet")


@user_cli.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "moderator", "contributor"]))
@click.option("--county", help="County code or name (moderator, contributor), e.g. 20 or 'Dalarnas län'.")
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting.")
def user_add(email: str, role: str, county: str | None, name: str, password_stdin: bool) -> None:
    """Add a user (prompts for the password unless --password-stdin)."""
    from . import accounts

    password = _read_password(password_stdin)
    try:
        user = accounts.add_user(_cli_actor(), email, password, role, county, name)
        db.session.commit()
    except accounts.AccountError as exc:
        db.session.rollback()
        click.echo(f"Användaren lades inte till: {exc}", err=True)
        sys.exit(1)
    click.echo(f"La till {user.email} ({user.role.value}{', län ' + user.county_code if user.county_code else ''}).")


@user_cli.command("list")
def user_list() -> None:
    """List every user with role, county and whether the account is active."""
    import sqlalchemy as sa

    from .models import User

    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        state = "aktiv" if user.active else "inaktiverad"
        click.echo(f"{user.email:<40} {user.role.value:<12} {user.county_code or '--':<3} {state:<12} {user.name}")


def _user_or_exit(email: str):
    from . import accounts

    user = accounts.find_user(email)
    if user is None:
        click.echo(f"Ingen användare med e-postadressen {email!r}.", err=True)
        sys.exit(1)
    return user


def _set_active(email: str, active: bool) -> None:
    from . import accounts

    user = _user_or_exit(email)
    accounts.set_active(_cli_actor(), user, active)
    db.session.commit()
    click.echo(f"{user.email} är {'aktiverad' if active else 'inaktiverad'}.")


@user_cli.command("disable")
@click.argument("email")
def user_disable(email: str) -> None:
    """Disable a user; every session of theirs ends at once."""
    _set_active(email, False)


@user_cli.command("enable")
@click.argument("email")
def user_enable(email: str) -> None:
    """Re-enable a disabled user."""
    _set_active(email, True)


@user_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting.")
def user_set_password(email: str, password_stdin: bool) -> None:
    """Set a new password; every session of the user ends."""
    from . import accounts

    user = _user_or_exit(email)
    try:
        accounts.set_password(_cli_actor(), user, _read_password(password_stdin))
        db.session.commit()
    except accounts.AccountError as exc:
        db.session.rollback()
        click.echo(f"Lösenordet ändrades inte: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Nytt lösenord satt för {user.email}; alla inloggningar avslutades.")


@kb_cli.command("eval")
@click.argument("queries", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--min", "minimum", type=float, help="Exit 1 when mean nDCG@10 is below this.")
def eval_command(queries: str | None, minimum: float | None) -> None:
    """Relevance of the in-process search on judged queries (default: tests/search/judged_queries.json)."""
    from .config import ROOT
    from .evaluation import evaluate

    path = Path(queries) if queries else ROOT / "tests" / "search" / "judged_queries.json"
    report = evaluate(current_app.test_client(), path)
    for line in report.lines():
        click.echo(line)
    if minimum is not None and report.means[0] < minimum:
        sys.exit(1)


@kb_cli.command("remind-stale")
def remind_stale_command() -> None:
    """List examples not checked for KB_VERIFY_MONTHS months per county; e-mail the county's
    moderators through the mail outbox when it exists (kb.mail.enqueue)."""
    from . import freshness
    from .extensions import db

    reminders = freshness.reminders()
    for r in reminders:
        click.echo(f"Län {r.county_code}: {len(r.slugs)} exempel att kontrollera → {', '.join(r.recipients)}")
    sent = freshness.send_reminders()
    db.session.commit()
    click.echo(f"{sent} påminnelser lagda i e-postkön." if sent else "Inga påminnelser skickade (ingen e-postkö, eller inget att påminna om).")
