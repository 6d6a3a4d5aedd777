"""Abbreviations and synonyms, expanded at query time (no reindex needed after a change).

The table is a small YAML file that people edit (`content/synonyms.yaml`, and the
admin page, which saves a new version in the database):

    groups:
    - [abo, anläggningsboende]
    - [sfi, svenska för invandrare]

Every member of a group finds what the others find. Members are compared by their
stems, so `överenskommelsen` matches the member `överenskommelse`. Members of one group
with the same stems (nyanlända/nyanländ) are one member: the later ones are dropped
when the table is read, with a warning (`SynonymTable.warnings`) shown on the admin
page and by `flask kb load`, so a synonym never counts twice against the word typed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .analysis import swedish_analyzer

MAX_GROUPS = 1000
MAX_MEMBER = 80
MAX_TEXT = 100_000
_SV = swedish_analyzer()


class SynonymError(ValueError):
    """The YAML is not a valid synonym table; the message names the line and the fix."""


def key(text: str) -> tuple[str, ...]:
    """The stems of a member or of a stretch of query text."""
    return tuple(t.text for t in _SV(text))


@dataclass
class SynonymTable:
    groups: list[list[str]] = field(default_factory=list)
    index: dict[tuple[str, ...], int] = field(default_factory=dict)
    longest: int = 1
    warnings: list = field(default_factory=list)  # lazy strings, for the people editing the table

    def alternatives(self, unit_key: tuple[str, ...]) -> list[str]:
        """The other members of the group this stem sequence belongs to (as written)."""
        g = self.index.get(unit_key)
        if g is None:
            return []
        return [m for m in self.groups[g] if key(m) != unit_key]


def parse(text: str) -> SynonymTable:
    """Validate and index a synonym YAML text; raises SynonymError with the line number."""
    from ..inputs import YamlShapeError, check_yaml_shape

    if len(text) > MAX_TEXT:
        raise SynonymError(_("Listan är för lång (%(n)s tecken); högst %(max)s är tillåtet.", n=len(text), max=MAX_TEXT))
    try:
        check_yaml_shape(text)  # before the recursive parse: deep nesting or aliases get a message, not a crash
    except YamlShapeError as exc:
        raise SynonymError(str(exc)) from exc
    import yaml  # here: parsing happens only when the synonyms change

    try:
        data = yaml.safe_load(text) if text.strip() else {"groups": []}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", exc)
        if mark:
            raise SynonymError(_("rad %(line)s: YAML-fel: %(problem)s", line=mark.line + 1, problem=problem)) from exc
        raise SynonymError(_("YAML-fel: %(problem)s", problem=problem)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise SynonymError(_("Filen ska ha nyckeln 'groups:' med en lista av grupper, t.ex.\ngroups:\n- [abo, anläggningsboende]"))
    groups = data["groups"]
    if len(groups) > MAX_GROUPS:
        raise SynonymError(_("%(n)s grupper; högst %(max)s är tillåtet.", n=len(groups), max=MAX_GROUPS))
    table = SynonymTable()
    numbers: list[int] = []  # the written number of each kept group
    for number, group in enumerate(groups, 1):
        if not isinstance(group, list) or len(group) < 2 or not all(isinstance(m, str) and m.strip() for m in group):
            raise SynonymError(_("Grupp %(number)s (%(group)s) ska vara en lista med minst två ord, t.ex. [abo, anläggningsboende].", number=number, group=repr(group)))
        members: list[str] = []
        repeats: list[str] = []
        first_with: dict[tuple[str, ...], str] = {}
        for member in (m.strip() for m in group):
            if len(member) > MAX_MEMBER:
                raise SynonymError(_("Grupp %(number)s: '%(member)s…' är längre än %(max)s tecken.", number=number, member=member[:30], max=MAX_MEMBER))
            k = key(member)
            if not k:
                raise SynonymError(_("Grupp %(number)s: '%(member)s' består bara av småord och kan inte sökas.", number=number, member=member))
            if k in table.index and table.index[k] != len(table.groups):
                raise SynonymError(_("Grupp %(number)s: '%(member)s' finns redan i grupp %(other)s; ett ord får bara stå i en grupp.", number=number, member=member, other=numbers[table.index[k]]))
            if k in first_with:
                repeats.append(_l(  # lazy: parsed tables are cached and read in either language
                    "Grupp %(number)s: ”%(member)s” har samma grundform som ”%(first)s” och räknas bara en gång; "
                    "ta bort ”%(member)s” ur gruppen.", number=number, member=member, first=first_with[k]))
                continue
            first_with[k] = member
            members.append(member)
        if len(members) >= 2:
            table.warnings.extend(repeats)
        else:
            table.warnings.append(_l("Grupp %(number)s (%(words)s) har bara en grundform och påverkar inte sökningen; "
                                     "ta bort den.", number=number, words=", ".join(group)))
            continue
        for k in first_with:
            table.index[k] = len(table.groups)
            table.longest = max(table.longest, len(k))
        table.groups.append(members)
        numbers.append(number)
    return table


@lru_cache(maxsize=8)
def parse_cached(text: str) -> SynonymTable:
    return parse(text)


def current_text(session) -> str:
    """The newest saved version of the table ('' before anything is loaded)."""
    import sqlalchemy as sa

    from ..models import SynonymSet

    row = session.execute(sa.select(SynonymSet.text).order_by(SynonymSet.id.desc()).limit(1)).first()
    return row[0] if row else ""


def current(session) -> SynonymTable:
    """The table in force now; a broken saved version (it cannot be saved broken) means none."""
    try:
        return parse_cached(current_text(session))
    except SynonymError:
        return SynonymTable()
