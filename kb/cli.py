"""`flask kb ...`: load, export, reindex, check, prepare, user, bench, eval.

Help and output are Swedish (the interface language); log lines stay English for operators.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from . import content, indexing, services
from .extensions import db

class SwedishHelpFormatter(click.HelpFormatter):
    """Click's help layout with Swedish headings (the rest of the help text is written in Swedish)."""

    HEADINGS = {"Options": "Flaggor", "Commands": "Kommandon", "Arguments": "Argument"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args.replace("[OPTIONS]", "[FLAGGOR]").replace("COMMAND [ARGS]...", "KOMMANDO [ARG]..."),
                            prefix="Användning: " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(self.HEADINGS.get(heading, heading))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(term, text.replace("[default: ", "[standard: ").replace("[required]", "[krävs]")) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)


class SwedishContext(click.Context):
    formatter_class = SwedishHelpFormatter


def _swedish_help_option(self, ctx):
    option = click.Command.get_help_option(self, ctx)
    if option is not None:
        option.help = "Visa den här hjälpen och avsluta."
    return option


class SwedishCommand(click.Command):
    context_class = SwedishContext
    get_help_option = _swedish_help_option


class SwedishGroup(AppGroup):
    """An AppGroup whose commands (and their help) speak Swedish."""

    context_class = SwedishContext
    command_class = SwedishCommand
    get_help_option = _swedish_help_option


kb_cli = SwedishGroup("kb", help="Goda exempel: innehåll, sökindex, användare och underhåll.")


def _content_dir(path: str | None) -> Path:
    return Path(path) if path else Path(current_app.config["KB_CONTENT_DIR"])


def _interactive() -> bool:
    """Progress bars only on a terminal; pipes, logs and tests get the summary lines alone."""
    return sys.stderr.isatty()


class Progress:
    """A click progress bar on stderr that starts once the length is known; silent off a terminal."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None

    def start(self, length: int) -> None:
        self.bar = click.progressbar(length=length, label=self.label, file=sys.stderr, show_pos=True,
                                     hidden=not _interactive(), width=30)
        self.bar.__enter__()

    def step(self, _item=None) -> None:
        if self.bar is not None:
            self.bar.update(1)
            if self.bar.pos >= self.bar.length:  # finished: end the line before anything else is printed
                self.__exit__(None, None, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
            self.bar = None


def _rebuild_index(index, label: str = "Bygger sökindexet") -> int | None:
    """index.rebuild() with a progress bar over the documents written; None when another
    process rebuilt at the same time (its generation is as new as ours would be)."""
    from .models import Entry, EntryState

    with indexing.read_session() as session, Progress(label) as progress:
        progress.start(session.scalar(
            sa.select(sa.func.count()).select_from(Entry).where(Entry.state == EntryState.PUBLISHED)) or 0)
        return index.rebuild(session, progress=progress.step)


def run_load(root: Path, force: bool = False) -> int:
    """Load `root` (three-way rule, see kb/loader.py), commit, update the index; returns the exit code."""
    try:
        with Progress("Läser innehållsfilerna") as progress:
            report = services.load_content(root, force=force, on_start=progress.start, progress=progress.step)
        db.session.commit()
    except content.ContentInvalid as exc:
        db.session.rollback()
        click.echo(f"Inget laddades: {len(exc.errors)} fel i {root}:", err=True)
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        return 1
    except Exception:
        db.session.rollback()
        raise
    # The commit wrote index_log rows and applied them (kb/indexing.py); an index that is
    # missing, damaged or built by other code is rebuilt here.
    index = services.search_index()
    with indexing.read_session() as session:
        rebuild = index.needs_rebuild(thorough=True)
        if not rebuild:
            index.apply_log(session)
    if rebuild:
        click.echo("Sökindexet saknas, går inte att läsa eller är markerat för ombyggnad; det byggs från databasen.")
        _rebuild_index(index)
    click.echo(
        f"Laddade {root}: {len(report.created)} nya, {len(report.updated)} ändrade, "
        f"{len(report.unchanged)} oförändrade exempel"
        + (f", {len(report.conflicts)} i konflikt (se nedan)" if report.conflicts else "")
        + (f" ({report.not_parsed} filer oförändrade sedan förra laddningen lästes inte om)" if report.not_parsed else "")
        + f"; {report.categories} kategorier; {report.places_changed} platser uppdaterade"
        + ("; ny version av synonymlistan." if report.synonyms_changed else ".")
    )
    for conflict in report.conflicts:
        click.echo(f"  KONFLIKT {conflict}", err=True)
    from .search import synonyms

    for warning in synonyms.current().warnings:
        click.echo(f"  synonymlistan: {warning}", err=True)
    return 0


@kb_cli.command("load")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--force", is_flag=True,
              help="Låt filen vinna när både filen och exemplet (eller synonymlistan) ändrats på webben sedan förra laddningen.")
def load_command(path: str | None, force: bool) -> None:
    """Läs in exemplen i PATH (standard: content/) utan att skriva över det som ändrats på webben.

    En fil som ändrats sedan förra laddningen ger en ny, publicerad version, om ingen
    ändrat exemplet på webben under tiden; har båda ändrats rapporteras en konflikt och
    exemplet lämnas orört (utom med --force). Exempel som skapats på webben rörs aldrig.
    Ett fel i någon fil: ingenting skrivs, varje fel listas.
    """
    code = run_load(_content_dir(path), force)
    if code:
        sys.exit(code)


@kb_cli.command("export")
@click.argument("path", required=False, type=click.Path(file_okay=False))
def export_command(path: str | None) -> None:
    """Skriv alla publicerade exempel till PATH (standard: content/) i filformatet."""
    root = _content_dir(path)
    with Progress("Skriver filer") as progress:
        written = services.export_content(root, on_start=progress.start, progress=progress.step)
    click.echo(f"Skrev {len(written)} filer till {root}.")


@kb_cli.command("reindex")
def reindex_command() -> None:
    """Bygg om sökindexet från databasen (en ny generation som byts in på en gång)."""
    count = _rebuild_index(services.search_index())
    if count is None:
        click.echo("En annan process byggde just om sökindexet; det är nu aktuellt.")
        return
    click.echo(f"Sökindexet byggdes om: {count} publicerade exempel.")


@kb_cli.command("check")
@click.option("--repair", is_flag=True, help="Rätta exakt det som skiljer (tillämpa ändringsloggen, skriv om inaktuella dokument; bygg om ett oanvändbart index).")
def check_command(repair: bool) -> None:
    """Jämför varje dokument i sökindexet (exempel och version) med databasen och lista varje skillnad (kod 1 vid skillnad)."""
    from . import indexcheck

    code = indexcheck.check(repair, full=True, echo=click.echo, rebuild=_rebuild_index)
    sys.exit(code)


def _migrate(echo) -> None:
    """Apply pending migrations; say so when there are none (no Alembic start-up chatter then)."""
    import flask_migrate
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == heads:
        echo(f"Databasen har redan den senaste versionen ({', '.join(sorted(heads))}).")
        return
    flask_migrate.upgrade()
    echo(f"Databasen migrerades till {', '.join(sorted(heads))}.")


def _login_hint(url: str) -> list[str]:
    import sqlalchemy as sa

    from .models import User
    from .permissions import Permission, holders_of

    admins = list(db.session.scalars(sa.select(User.email).where(holders_of(Permission.MANAGE_USERS)).order_by(User.id)))
    if not admins:
        return [
            "Logga in som administratör: skapa först kontot (du får välja ett lösenord) med",
            "    make admin EMAIL=din.adress@example.se",
            f"  och logga sedan in på {url}/logga-in",
        ]
    return [
        f"Logga in på {url}/logga-in (administratörer: {', '.join(admins[:3])}{' …' if len(admins) > 3 else ''}).",
        "  Ett nytt administratörskonto: make admin EMAIL=din.adress@example.se",
    ]


@kb_cli.command("prepare")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="Adressen som webbplatsen svarar på.")
@click.option("--serve", is_flag=True, help="Starta sedan utvecklingsservern (som `flask run`) i samma process.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Med --serve: adressen att lyssna på.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Med --serve: porten.")
@click.option("--mail-every", type=click.IntRange(min=1), help="Med --serve: skicka e-postutkorgen var N:e sekund i samma process.")
def prepare_command(url: str, serve: bool, host: str, port: int, mail_every: int | None) -> None:
    """Gör allt som behövs före start (används av `make run`): migrera, ladda content/, kontrollera sökindexet.

    Det som redan är gjort hoppas över: oförändrade filer läses inte om och sökindexet
    jämförs bara när databasen ändrats sedan förra kontrollen. Med --serve startar
    servern i samma process (en omstart behöver då bara läsa in programmet en gång).
    """
    from . import indexcheck

    if serve:
        url = f"http://{host}:{port}"

    click.echo("==> Migrerar databasen")
    db.session.rollback()  # no transaction of ours may hold SQLite's write lock while Alembic migrates
    _migrate(click.echo)
    root = _content_dir(None)
    click.echo(f"==> Laddar {len(list((root / 'examples').glob('*.md')))} exempelfiler i {root}")
    code = run_load(root)
    if code:
        sys.exit(code)
    click.echo("==> Kontrollerar sökindexet")
    code = indexcheck.check(repair=True, full=False, echo=click.echo, rebuild=_rebuild_index)
    if code:
        sys.exit(code)
    click.echo("")
    click.echo(f"==> Klart. Webbplatsen startar på {url}/  (stoppa med Ctrl+C)")
    for line in _login_hint(url):
        click.echo(line)
    db.session.rollback()  # end the read transaction (on SQLite it holds the write lock)
    if serve:
        from werkzeug.serving import run_simple

        db.session.remove()
        app = current_app._get_current_object()
        if mail_every:
            _start_mail_sender(app, mail_every)
            click.echo(f"E-post skickas var {mail_every}:e sekund (utan KB_SMTP_URL skrivs den som .eml-filer i "
                       f"{app.config['KB_MAIL_DIR']}).")
        run_simple(host, port, app, threaded=True)


def _start_mail_sender(app, every: int) -> None:
    """The outbox sender as a daemon thread beside the development server (`make run`)."""
    import threading

    from .channels_cli import sender_loop

    def loop():
        with app.app_context():
            sender_loop(every, True, click.echo)

    threading.Thread(target=loop, name="kb-mail-sender", daemon=True).start()


@kb_cli.command("backup")
@click.argument("path", type=click.Path(file_okay=False))
def backup_command(path: str) -> None:
    """Skriv en konsekvent backup till katalogen PATH: databasen (SQLites backup-API eller pg_dump) och en export av innehållet.

    Webbplatsen kan vara igång under tiden.
    """
    from . import backup

    try:
        manifest = backup.backup(Path(path), echo=click.echo)
    except backup.BackupError as exc:
        click.echo(f"Ingen backup gjordes: {exc}", err=True)
        sys.exit(1)
    counts = manifest["counts"]
    click.echo(f"Backup klar i {path}: {counts.get('entries', 0)} exempel, {counts.get('revisions', 0)} versioner, "
               f"{counts.get('users', 0)} användare, {counts.get('audit_log', 0)} händelser i loggen; "
               f"{manifest['content_files']} filer exporterade; kontrollsumma {manifest['sha256'][:16]}.")


@kb_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
def restore_command(path: str) -> None:
    """Återställ backupen i PATH till den här instansen, som måste vara tom; bygger sedan sökindexet."""
    from . import backup, indexcheck

    try:
        restored = backup.restore(Path(path), echo=click.echo)
    except backup.BackupError as exc:
        click.echo(f"Inget återställdes: {exc}", err=True)
        sys.exit(1)
    problems = backup.check_manifest(Path(path), restored)
    index = services.search_index()
    _rebuild_index(index)
    indexcheck.record_verified(index)
    db.session.rollback()
    if problems:
        for problem in problems:
            click.echo(f"  skiljer sig: {problem}", err=True)
        sys.exit(1)
    counts = restored["counts"]
    click.echo(f"Återställt från {path}: {counts.get('entries', 0)} exempel, {counts.get('revisions', 0)} versioner, "
               f"{counts.get('users', 0)} användare, {counts.get('audit_log', 0)} händelser i loggen; "
               f"kontrollsumman stämmer med backupen ({restored['sha256'][:16]}).")


@kb_cli.command("bench")
@click.option("--repeat", default=20, show_default=True, help="Körningar per fråga.")
@click.option("--size", type=click.IntRange(1, 1_000_000), help="Bygg en syntetisk samling med så många exempel i en "
              "tillfällig instans och mät laddning, ombyggnad, sökning jämfört med SQLite FTS5, godkänn→sökbart och minne.")
@click.option("--seed", default=2014, show_default=True, help="Frö för den syntetiska samlingen och frågorna (--size).")
@click.option("--queries", "n_queries", default=200, show_default=True, help="Antal frågor (--size).")
@click.option("--database-url", help="Tillfällig databas för --size (ett nytt schema i denna PostgreSQL; standard: SQLite i en tillfällig katalog).")
@click.option("--keep", is_flag=True, help="Behåll den tillfälliga instansens katalog (--size).")
@click.option("--reuse", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Använd en kopia av databasen och indexet i en katalog som --keep behöll (samma --size och --seed): "
              "ingen laddning och ingen ombyggnad, bara mätningarna.")
def bench_command(repeat: int, size: int | None, seed: int, n_queries: int, database_url: str | None, keep: bool,
                  reuse: Path | None) -> None:
    """Mät och skriv ut: Markdown-rendering av fientlig indata och söktider (p50/p95).

    Med --size N: mätverktyget i README-avsnittet om hastighet (syntetisk samling, sida vid sida med FTS5)."""
    import statistics
    import time

    from .render import render_markdown
    from .search.query import SearchParams, run

    for label, text in (("8 000 '['", "[" * 8000), ("8 000 '!['", "![" * 4000), ("50 000 chars prose", "ord " * 12_500)):
        start = time.perf_counter()
        render_markdown(text)
        click.echo(f"render {label:<22} {1000 * (time.perf_counter() - start):8.1f} ms")

    if size:
        from .bench import run_size_bench

        run_size_bench(size, seed, database_url, _content_dir(None), n_queries=n_queries, keep=keep, reuse=reuse)
        return

    index = services.search_index()
    queries = ["villor", "kollektivtrafik", "anläggningsboende", "regional överenskommelse", "skola borlänge",
               "bostad", '"eget boende"', "orebro", "", "sfi"]
    from .search import synonyms

    table = synonyms.current()  # passing the table bypasses the results cache: these are uncached searches
    samples: list[float] = []
    for q in queries:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            run(index, SearchParams(q=q, per_page=10), table)
            times.append(1000 * (time.perf_counter() - start))
        samples += times
        click.echo(f"search {q!r:<28} p50 {statistics.median(times):6.1f} ms   max {max(times):6.1f} ms")
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    click.echo(f"search all ({len(samples)} runs, uncached, facets + snippets included): "
               f"p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms")

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

    from .bench_maps import bench as bench_maps

    bench_maps(current_app, click.echo, repeat)


# --------------------------------------------------------------------------- users

user_cli = SwedishGroup("user", help="Konton: add (lägg till), list, disable (inaktivera), enable, set-password, reset-2fa.")
kb_cli.add_command(user_cli)


def _cli_actor():
    """The system actor (kb/permissions.py): whoever runs the CLI has the server, so every check passes."""
    from .permissions import system_actor

    return system_actor("cli")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Lösenord", hide_input=True, confirmation_prompt="Upprepa lösenordet")


@user_cli.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "moderator", "contributor"]),
              help="admin (hela landet, inget län), moderator eller contributor (ett län, --county).")
@click.option("--county", help="Länskod eller länsnamn (moderator, contributor; inte admin), t.ex. 20 eller 'Dalarnas län'.")
@click.option("--name", default="", help="Namn som visas.")
@click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard in i stället för att fråga.")
def user_add(email: str, role: str, county: str | None, name: str, password_stdin: bool) -> None:
    """Lägg till en användare (frågar efter lösenordet om inte --password-stdin anges)."""
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
    """Lista alla användare med roll, län och om kontot är aktivt."""
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
    """Inaktivera en användare; alla användarens inloggningar avslutas direkt."""
    _set_active(email, False)


@user_cli.command("enable")
@click.argument("email")
def user_enable(email: str) -> None:
    """Aktivera en inaktiverad användare igen."""
    _set_active(email, True)


@user_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard in i stället för att fråga.")
def user_set_password(email: str, password_stdin: bool) -> None:
    """Sätt ett nytt lösenord; alla användarens inloggningar avslutas."""
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


@user_cli.command("reset-2fa")
@click.argument("email")
def user_reset_2fa(email: str) -> None:
    """Ta bort en användares tvåstegsinloggning (borttappad telefon); den ställs in igen vid nästa inloggning (loggas)."""
    from . import twofactor

    user = _user_or_exit(email)
    if twofactor.reset(_cli_actor(), user):
        db.session.commit()
        click.echo(f"Tvåstegsverifieringen för {user.email} är borttagen; alla inloggningar avslutades.")
    else:
        db.session.rollback()
        click.echo(f"{user.email} har ingen tvåstegsverifiering att ta bort.")


@kb_cli.command("eval")
@click.argument("queries", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--min", "minimum", type=float, help="Avsluta med kod 1 när medelvärdet av nDCG@10 i någon frågesamling är lägre än detta.")
@click.option("--scoring", type=click.Choice(["bm25f", "fields"]), help="Fältkombination att mäta (standard: den som används).")
def eval_command(queries: tuple[str, ...], minimum: float | None, scoring: str | None) -> None:
    """Sökningens relevans på bedömda frågor (standard: alla frågesamlingar i tests/search/)."""
    from .config import ROOT
    from .evaluation import evaluate
    from .search import scoring as scoring_module

    paths = [Path(q) for q in queries] or [
        ROOT / "tests" / "search" / name for name in ("judged_queries.json", "natural_questions.json")
    ]
    previous = scoring_module.MODE
    scoring_module.MODE = scoring or previous
    failed = False
    try:
        for path in paths:
            report = evaluate(current_app.test_client(), path)
            if len(paths) > 1:
                click.echo(f"== {path.name}")
            for line in report.lines():
                click.echo(line)
            failed |= minimum is not None and report.means[0] < minimum
    finally:
        scoring_module.MODE = previous
    if failed:
        sys.exit(1)


@kb_cli.command("remind-stale")
def remind_stale_command() -> None:
    """Mejla varje läns moderatorer en lista över exempel som ingen kontrollerat på KB_VERIFY_MONTHS månader
    (högst en påminnelse i veckan per moderator; kör gärna dagligen från cron)."""
    from . import freshness

    for r in freshness.reminders():
        click.echo(f"Län {r.county_code}: {len(r.slugs)} exempel att kontrollera → {', '.join(r.recipients)}")
    sent = freshness.send_reminders()
    db.session.commit()
    click.echo(f"{sent} påminnelser lades i e-postkön." if sent else "Inga påminnelser lades i e-postkön (inget att påminna om, "
               "eller moderatorerna påmindes redan den senaste veckan).")


from .channels_cli import alerts_cli, bench_channels_command, mail_cli  # noqa: E402  (kept in their own module)

kb_cli.add_command(mail_cli)
kb_cli.add_command(alerts_cli)
kb_cli.add_command(bench_channels_command)
