"""`flask kb ...`: load, export, reindex, check, prepare, user, bench, eval.

Help and output speak the CLI's language: KB_LANGUAGE=en|sv, Swedish by default (kb/i18n.py).
Help texts are lazy translations (`_l`), rendered when `--help` is asked for: `flask` has then
pushed the application context in which KB_LANGUAGE is read. Log lines stay English for
operators; bench timings are technical English.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app, url_for
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from . import content, exchange, indexing, services
from .extensions import db


class SwedishHelpFormatter(click.HelpFormatter):
    """Click's help layout with its headings in the CLI's language (Swedish by default; click's own English)."""

    HEADINGS = {"Options": _l("Flaggor"), "Commands": _l("Kommandon"), "Arguments": _l("Argument")}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", _("[FLAGGOR]")).replace("COMMAND [ARGS]...", _("KOMMANDO [ARG]..."))
        super().write_usage(prog, args, prefix=_("Användning:") + " " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(str(self.HEADINGS.get(heading, heading)))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        default, required = _("standard"), _("krävs")
        rows = [(term, text.replace("[default: ", f"[{default}: ").replace("[required]", f"[{required}]")) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)


class SwedishContext(click.Context):
    formatter_class = SwedishHelpFormatter


def _swedish_help_option(self, ctx):
    option = click.Command.get_help_option(self, ctx)
    if option is not None:
        option.help = _l("Visa den här hjälpen och avsluta.")
    return option


class SwedishCommand(click.Command):
    context_class = SwedishContext
    get_help_option = _swedish_help_option


class SwedishGroup(AppGroup):
    """An AppGroup whose commands (and their help) speak the CLI's language (Swedish by default)."""

    context_class = SwedishContext
    command_class = SwedishCommand
    get_help_option = _swedish_help_option


class LazyHelpOption(click.Option):
    """A click option whose help stays a lazy translation: click.Option would read the text (cleandoc)
    when the module is imported, before any language is known."""

    def __init__(self, *args, help=None, **kwargs):  # noqa: A002 - click's name
        super().__init__(*args, **kwargs)
        self.help = help


option = functools.partial(click.option, cls=LazyHelpOption)


kb_cli = SwedishGroup("kb", help=_l("Goda exempel: innehåll, sökindex, användare och underhåll."))


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


def _rebuild_index(index, label: str | None = None) -> int | None:
    """index.rebuild() with a progress bar over the documents written; None when another
    process rebuilt at the same time (its generation is as new as ours would be)."""
    from .models import Entry, EntryState

    with indexing.read_session() as session, Progress(label or _("Bygger sökindexet")) as progress:
        progress.start(session.scalar(
            sa.select(sa.func.count()).select_from(Entry).where(Entry.state == EntryState.PUBLISHED)) or 0)
        return index.rebuild(session, progress=progress.step)


def run_load(root: Path, force: bool = False) -> int:
    """Load `root` (three-way rule, see kb/exchange.py), commit, update the index; returns the exit code."""
    try:
        with Progress(_("Läser innehållsfilerna")) as progress:
            report = exchange.load_content(root, force=force, on_start=progress.start, progress=progress.step)
        db.session.commit()
    except content.ContentInvalid as exc:
        db.session.rollback()
        click.echo(ngettext("Inget laddades: %(num)s fel i %(root)s:", "Inget laddades: %(num)s fel i %(root)s:",
                            len(exc.errors), root=root), err=True)
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
        click.echo(_("Sökindexet saknas, går inte att läsa eller är markerat för ombyggnad; det byggs från databasen."))
        _rebuild_index(index)
    click.echo(load_summary(root, report))
    for conflict in report.conflicts:
        click.echo(f"  {_('KONFLIKT')} {conflict}", err=True)
    from .search import synonyms

    for warning in synonyms.current(db.session).warnings:
        click.echo(f"  {_('synonymlistan')}: {warning}", err=True)
    return 0


def load_summary(root: Path, report: exchange.LoadReport) -> str:
    """'Laddade content: 0 nya, 1 ändrade, 55 oförändrade exempel; 9 kategorier; 0 platser uppdaterade.'"""
    n = len(report.unchanged)
    text = _("Laddade %(root)s: %(created)s nya, %(updated)s ändrade, %(unchanged)s", root=root,
             created=len(report.created), updated=len(report.updated),
             unchanged=ngettext("%(num)s oförändrade exempel", "%(num)s oförändrade exempel", n))
    if report.conflicts:
        text += ", " + _("%(num)s i konflikt (se nedan)", num=len(report.conflicts))
    if report.not_parsed:
        text += " (" + ngettext("%(num)s filer oförändrade sedan förra laddningen lästes inte om",
                                "%(num)s filer oförändrade sedan förra laddningen lästes inte om", report.not_parsed) + ")"
    text += "; " + ngettext("%(num)s kategorier", "%(num)s kategorier", report.categories)
    text += "; " + ngettext("%(num)s platser uppdaterade", "%(num)s platser uppdaterade", report.places_changed)
    return text + ("; " + _("ny version av synonymlistan") + "." if report.synonyms_changed else ".")


@kb_cli.command("load", help=_l("Läs in exemplen i PATH (standard: content/) utan att skriva över det som ändrats på webben.\n\nEn fil som ändrats sedan förra laddningen ger en ny, publicerad version, om ingen ändrat exemplet på webben under tiden; har båda ändrats rapporteras en konflikt och exemplet lämnas orört (utom med --force). Exempel som skapats på webben rörs aldrig. Ett fel i någon fil: ingenting skrivs, varje fel listas."))
@click.argument("path", required=False, type=click.Path(file_okay=False))
@option("--force", is_flag=True,
              help=_l("Låt filen vinna när både filen och exemplet (eller synonymlistan) ändrats på webben sedan förra laddningen."))
def load_command(path: str | None, force: bool) -> None:
    code = run_load(_content_dir(path), force)
    if code:
        sys.exit(code)


@kb_cli.command("export", help=_l("Skriv alla publicerade exempel till PATH (standard: content/) i filformatet."))
@click.argument("path", required=False, type=click.Path(file_okay=False))
def export_command(path: str | None) -> None:
    root = _content_dir(path)
    with Progress(_("Skriver filer")) as progress:
        written = exchange.export_content(root, on_start=progress.start, progress=progress.step, actor=_cli_actor())
    db.session.commit()  # the audit row
    click.echo(ngettext("Skrev %(num)s filer till %(root)s.", "Skrev %(num)s filer till %(root)s.", len(written), root=root))


@kb_cli.command("reindex", help=_l("Bygg om sökindexet från databasen (en ny generation som byts in på en gång)."))
def reindex_command() -> None:
    count = _rebuild_index(services.search_index())
    if count is None:
        click.echo(_("En annan process byggde just om sökindexet; det är nu aktuellt."))
        return
    click.echo(ngettext("Sökindexet byggdes om: %(num)s publicerade exempel.", "Sökindexet byggdes om: %(num)s publicerade exempel.",
                        count))


@kb_cli.command("check", help=_l("Jämför varje dokument i sökindexet (exempel och version) med databasen och lista varje skillnad (kod 1 vid skillnad)."))
@option("--repair", is_flag=True, help=_l("Rätta exakt det som skiljer (tillämpa ändringsloggen, skriv om inaktuella dokument; bygg om ett oanvändbart index)."))
def check_command(repair: bool) -> None:
    from . import indexcheck

    code = indexcheck.check(repair, full=True, echo=click.echo, rebuild=_rebuild_index)
    sys.exit(code)


def _migrate(echo) -> None:
    """Apply pending migrations; say so when there are none (no Alembic start-up chatter then)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from . import migrations

    config = migrations.config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == heads:
        echo(_("Databasen har redan den senaste versionen (%(version)s).", version=", ".join(sorted(heads))))
        return
    migrations.upgrade()
    echo(_("Databasen migrerades till %(version)s.", version=", ".join(sorted(heads))))


def _login_hint(url: str) -> list[str]:
    import sqlalchemy as sa

    from .models import User
    from .permissions import Permission, holders_of

    admins = list(db.session.scalars(sa.select(User.email).where(holders_of(Permission.MANAGE_USERS)).order_by(User.id)))
    if not admins:
        return [
            _("Logga in som administratör: skapa först kontot (du får välja ett lösenord) med"),
            "    " + _("make admin EMAIL=din.adress@example.se"),
            "  " + _("och logga sedan in på %(url)s", url=f"{url}/logga-in"),
        ]
    return [
        _("Logga in på %(url)s (administratörer: %(admins)s).", url=f"{url}/logga-in",
          admins=", ".join(admins[:3]) + (" …" if len(admins) > 3 else "")),
        "  " + _("Ett nytt administratörskonto: %(command)s", command=_("make admin EMAIL=din.adress@example.se")),
    ]


@kb_cli.command("prepare", help=_l("Gör allt som behövs före start (används av `make run`): migrera, ladda content/, kontrollera sökindexet.\n\nDet som redan är gjort hoppas över: oförändrade filer läses inte om och sökindexet jämförs bara när databasen ändrats sedan förra kontrollen. Med --serve startar servern i samma process (en omstart behöver då bara läsa in programmet en gång)."))
@option("--url", default="http://127.0.0.1:5000", show_default=True, help=_l("Adressen som webbplatsen svarar på."))
@option("--serve", is_flag=True, help=_l("Starta sedan utvecklingsservern (som `flask run`) i samma process."))
@option("--host", default="127.0.0.1", show_default=True, help=_l("Med --serve: adressen att lyssna på."))
@option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help=_l("Med --serve: porten."))
@option("--mail-every", type=click.IntRange(min=1), help=_l("Med --serve: skicka e-postutkorgen var N:e sekund i samma process."))
def prepare_command(url: str, serve: bool, host: str, port: int, mail_every: int | None) -> None:
    from . import indexcheck

    if serve:
        url = f"http://{host}:{port}"

    click.echo("==> " + _("Migrerar databasen"))
    db.session.rollback()  # no transaction of ours may hold SQLite's write lock while Alembic migrates
    _migrate(click.echo)
    root = _content_dir(None)
    files = len(list((root / "examples").glob("*.md")))
    click.echo("==> " + ngettext("Laddar %(num)s exempelfiler i %(root)s", "Laddar %(num)s exempelfiler i %(root)s", files, root=root))
    code = run_load(root)
    if code:
        sys.exit(code)
    click.echo("==> " + _("Kontrollerar sökindexet"))
    code = indexcheck.check(repair=True, full=False, echo=click.echo, rebuild=_rebuild_index)
    if code:
        sys.exit(code)
    click.echo("")
    click.echo("==> " + _("Klart. Webbplatsen startar på %(url)s  (stoppa med Ctrl+C)", url=f"{url}/"))
    for line in _login_hint(url):
        click.echo(line)
    db.session.rollback()  # end the read transaction (on SQLite it holds the write lock)
    if serve:
        from werkzeug.serving import run_simple

        db.session.remove()
        app = current_app._get_current_object()
        if mail_every:
            _start_mail_sender(app, mail_every)
            click.echo(_("E-post skickas var %(n)s:e sekund (utan KB_SMTP_URL skrivs den som .eml-filer i %(directory)s).",
                         n=mail_every, directory=app.config["KB_MAIL_DIR"]))
        run_simple(host, port, app, threaded=True)


def _start_mail_sender(app, every: int) -> None:
    """The outbox sender as a daemon thread beside the development server (`make run`)."""
    import threading

    from .channels_cli import sender_loop

    def loop():
        with app.app_context():
            sender_loop(every, True, click.echo)

    threading.Thread(target=loop, name="kb-mail-sender", daemon=True).start()


@kb_cli.command("backup", help=_l("Skriv en konsekvent backup till katalogen PATH: databasen (SQLites backup-API eller pg_dump) och en export av innehållet.\n\nWebbplatsen kan vara igång under tiden."))
@click.argument("path", type=click.Path(file_okay=False))
def backup_command(path: str) -> None:
    from . import backup

    try:
        manifest = backup.backup(Path(path), echo=click.echo)
    except backup.BackupError as exc:
        click.echo(_("Ingen backup gjordes: %(error)s", error=exc), err=True)
        sys.exit(1)
    counts = manifest["counts"]
    click.echo(_("Backup klar i %(path)s: %(counts)s; %(files)s filer exporterade; kontrollsumma %(sha)s.", path=path,
                 counts=_counts(counts), files=manifest["content_files"], sha=manifest["sha256"][:16]))


def _counts(counts: dict) -> str:
    """'56 exempel, 60 versioner, 3 användare, 120 händelser i loggen' (a backup's or a restore's rows)."""
    return _("%(entries)s exempel, %(revisions)s versioner, %(users)s användare, %(events)s händelser i loggen",
             entries=counts.get("entries", 0), revisions=counts.get("revisions", 0), users=counts.get("users", 0),
             events=counts.get("audit_log", 0))


@kb_cli.command("restore", help=_l("Återställ backupen i PATH till den här instansen, som måste vara tom; bygger sedan sökindexet."))
@click.argument("path", type=click.Path(exists=True, file_okay=False))
def restore_command(path: str) -> None:
    from . import backup, indexcheck

    try:
        restored = backup.restore(Path(path), echo=click.echo)
    except backup.BackupError as exc:
        click.echo(_("Inget återställdes: %(error)s", error=exc), err=True)
        sys.exit(1)
    problems = backup.check_manifest(Path(path), restored)
    index = services.search_index()
    _rebuild_index(index)
    indexcheck.record_verified(index)
    db.session.rollback()
    if problems:
        for problem in problems:
            click.echo("  " + _("skiljer sig: %(problem)s", problem=problem), err=True)
        sys.exit(1)
    counts = restored["counts"]
    click.echo(_("Återställt från %(path)s: %(counts)s; kontrollsumman stämmer med backupen (%(sha)s).", path=path,
                 counts=_counts(counts), sha=restored["sha256"][:16]))


@kb_cli.command("bench", help=_l("Mät och skriv ut: Markdown-rendering av fientlig indata och söktider (p50/p95).\n\nMed --size N: mätverktyget i README-avsnittet om hastighet (syntetisk samling, sida vid sida med FTS5)."))
@option("--repeat", default=20, show_default=True, help=_l("Körningar per fråga."))
@option("--size", type=click.IntRange(1, 1_000_000), help=_l("Bygg en syntetisk samling med så många exempel i en "
              "tillfällig instans och mät laddning, ombyggnad, sökning jämfört med SQLite FTS5, godkänn→sökbart och minne."))
@option("--seed", default=2014, show_default=True, help=_l("Frö för den syntetiska samlingen och frågorna (--size)."))
@option("--queries", "n_queries", default=200, show_default=True, help=_l("Antal frågor (--size)."))
@option("--database-url", help=_l("Tillfällig databas för --size (ett nytt schema i denna PostgreSQL; standard: SQLite i en tillfällig katalog)."))
@option("--keep", is_flag=True, help=_l("Behåll den tillfälliga instansens katalog (--size)."))
@option("--reuse", type=click.Path(exists=True, file_okay=False, path_type=Path),
        help=_l("Använd en kopia av databasen och indexet i en katalog som --keep behöll (samma --size och --seed): "
                "ingen laddning och ingen ombyggnad, bara mätningarna."))
@option("--workers", type=click.IntRange(1, 16), help=_l("Starta gunicorn med så många arbetsprocesser mot den här "
              "instansen, begär alla slags publika sidor och skriv ut minnet (RSS, PSS, privat) per arbetsprocess."))
def bench_command(repeat: int, size: int | None, seed: int, n_queries: int, database_url: str | None, keep: bool,
                  reuse: Path | None, workers: int | None) -> None:
    import statistics
    import time

    if workers:
        from .bench_workers import bench as bench_workers

        bench_workers(workers, click.echo)
        return

    from .render import render_markdown
    from .search import SearchParams
    from .search import search as run

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

    table = synonyms.current(db.session)  # passing the table bypasses the results cache: these are uncached searches
    samples: list[float] = []
    for q in queries:
        times = []
        for _run in range(repeat):
            start = time.perf_counter()
            run(index, SearchParams(q=q, per_page=10), table)
            times.append(1000 * (time.perf_counter() - start))
        samples += times
        click.echo(f"search {q!r:<28} p50 {statistics.median(times):6.1f} ms   max {max(times):6.1f} ms")
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    click.echo(f"search all ({len(samples)} runs, uncached, facets + snippets included): "
               f"p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms")

    from .search import suggest as suggestions
    from .views import catalog

    times = []
    with current_app.test_request_context():
        categories = sorted(catalog.labels()["category"].items())
        for prefix in ("bo", "bost", "borl", "kol", "sfi", "dal", "ägar", "praktik") * repeat:
            start = time.perf_counter()
            suggestions(index, prefix, categories, url_for)
            times.append(1000 * (time.perf_counter() - start))
    times.sort()
    click.echo(f"suggest ({len(times)} prefixes): p50 {statistics.median(times):.2f} ms, p95 {times[int(0.95 * (len(times) - 1))]:.2f} ms")

    from .bench_maps import bench as bench_maps

    bench_maps(current_app, click.echo, repeat)


# --------------------------------------------------------------------------- users

user_cli = SwedishGroup("user", help=_l("Konton: add (lägg till), list, disable (inaktivera), enable, set-password, reset-2fa."))
kb_cli.add_command(user_cli)


def _cli_actor():
    """The system actor (kb/permissions.py): whoever runs the CLI has the server, so every check passes."""
    from .permissions import system_actor

    return system_actor("cli")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt(_("Lösenord"), hide_input=True, confirmation_prompt=_("Upprepa lösenordet"))


@user_cli.command("add", help=_l("Lägg till en användare (frågar efter lösenordet om inte --password-stdin anges)."))
@click.argument("email")
@option("--role", required=True, type=click.Choice(["admin", "moderator", "contributor"]),
              help=_l("admin (hela landet, inget län), moderator eller contributor (ett län, --county)."))
@option("--county", help=_l("Länskod eller länsnamn (moderator, contributor; inte admin), t.ex. 20 eller 'Dalarnas län'."))
@option("--name", default="", help=_l("Namn som visas."))
@option("--password-stdin", is_flag=True, help=_l("Läs lösenordet från standard in i stället för att fråga."))
def user_add(email: str, role: str, county: str | None, name: str, password_stdin: bool) -> None:
    from . import accounts

    password = _read_password(password_stdin)
    try:
        user = accounts.add_user(_cli_actor(), email, password, role, county, name)
        db.session.commit()
    except accounts.AccountError as exc:
        db.session.rollback()
        click.echo(_("Användaren lades inte till: %(error)s", error=exc), err=True)
        sys.exit(1)
    if user.county_code:
        click.echo(_("La till %(email)s (%(role)s, län %(county)s).", email=user.email, role=user.role.value,
                     county=user.county_code))
    else:
        click.echo(_("La till %(email)s (%(role)s).", email=user.email, role=user.role.value))


@user_cli.command("list", help=_l("Lista alla användare med roll, län och om kontot är aktivt."))
def user_list() -> None:
    import sqlalchemy as sa

    from .models import User

    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        state = _("aktiv") if user.active else _("inaktiverad")
        click.echo(f"{user.email:<40} {user.role.value:<12} {user.county_code or '--':<3} {state:<12} {user.name}")


def _user_or_exit(email: str):
    from . import accounts

    user = accounts.find_user(email)
    if user is None:
        click.echo(_("Ingen användare med e-postadressen %(email)s.", email=repr(email)), err=True)
        sys.exit(1)
    return user


def _set_active(email: str, active: bool) -> None:
    from . import accounts

    user = _user_or_exit(email)
    accounts.set_active(_cli_actor(), user, active)
    db.session.commit()
    click.echo(_("%(email)s är aktiverad.", email=user.email) if active else _("%(email)s är inaktiverad.", email=user.email))


@user_cli.command("disable", help=_l("Inaktivera en användare; alla användarens inloggningar avslutas direkt."))
@click.argument("email")
def user_disable(email: str) -> None:
    _set_active(email, False)


@user_cli.command("enable", help=_l("Aktivera en inaktiverad användare igen."))
@click.argument("email")
def user_enable(email: str) -> None:
    _set_active(email, True)


@user_cli.command("set-password", help=_l("Sätt ett nytt lösenord; alla användarens inloggningar avslutas."))
@click.argument("email")
@option("--password-stdin", is_flag=True, help=_l("Läs lösenordet från standard in i stället för att fråga."))
def user_set_password(email: str, password_stdin: bool) -> None:
    from . import accounts

    user = _user_or_exit(email)
    try:
        accounts.set_password(_cli_actor(), user, _read_password(password_stdin))
        db.session.commit()
    except accounts.AccountError as exc:
        db.session.rollback()
        click.echo(_("Lösenordet ändrades inte: %(error)s", error=exc), err=True)
        sys.exit(1)
    click.echo(_("Nytt lösenord satt för %(email)s; alla inloggningar avslutades.", email=user.email))


@user_cli.command("reset-2fa", help=_l("Ta bort en användares tvåstegsinloggning (borttappad telefon); den ställs in igen vid nästa inloggning (loggas)."))
@click.argument("email")
def user_reset_2fa(email: str) -> None:
    from . import twofactor

    user = _user_or_exit(email)
    if twofactor.reset(_cli_actor(), user):
        db.session.commit()
        click.echo(_("Tvåstegsverifieringen för %(email)s är borttagen; alla inloggningar avslutades.", email=user.email))
    else:
        db.session.rollback()
        click.echo(_("%(email)s har ingen tvåstegsverifiering att ta bort.", email=user.email))


@kb_cli.command("eval", help=_l("Sökningens relevans på bedömda frågor (standard: alla frågesamlingar i tests/search/)."))
@click.argument("queries", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@option("--min", "minimum", type=float, help=_l("Avsluta med kod 1 när medelvärdet av nDCG@10 i någon frågesamling är lägre än detta."))
@option("--scoring", type=click.Choice(["bm25f", "fields"]), help=_l("Fältkombination att mäta (standard: den som används)."))
def eval_command(queries: tuple[str, ...], minimum: float | None, scoring: str | None) -> None:
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


@kb_cli.command("remind-stale", help=_l("Mejla varje läns moderatorer en lista över exempel som ingen kontrollerat på KB_VERIFY_MONTHS månader (högst en påminnelse i veckan per moderator; kör gärna dagligen från cron)."))
def remind_stale_command() -> None:
    from . import freshness

    for r in freshness.reminders():
        click.echo(_("Län %(county)s: %(n)s exempel att kontrollera → %(recipients)s", county=r.county_code, n=len(r.slugs),
                     recipients=", ".join(r.recipients)))
    sent = freshness.send_reminders()
    db.session.commit()
    click.echo(ngettext("%(num)s påminnelser lades i e-postkön.", "%(num)s påminnelser lades i e-postkön.", sent) if sent
               else _("Inga påminnelser lades i e-postkön (inget att påminna om, eller moderatorerna påmindes redan den senaste veckan)."))


from .channels_cli import alerts_cli, bench_channels_command, mail_cli  # noqa: E402  (kept in their own module)

kb_cli.add_command(mail_cli)
kb_cli.add_command(alerts_cli)
kb_cli.add_command(bench_channels_command)
