"""The label catalogue: every user-facing name of a code, in one place.

States, actions, history events, audit events, queue tabs, roles, practice status, sort
orders, facets, alert frequencies, diff fields and error pages are stored and passed around
as codes (`request_changes`, `submitted`, `weekly`); people see them through this module.
Each label is a Flask-Babel lazy string with the Swedish text as its message id, so the
same table serves Swedish and English (kb/translations/en/LC_MESSAGES/messages.po).

Modules and templates never keep label tables of their own: they call `label(TABLE, code)`
(in templates the `label` global with the table's name: `label('states', code)`) and get the code itself back, never an error, for a code the
table does not know (an old audit row, a new action), so history is always readable.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Where an example or one of its revisions is (EntryState and RevisionState share codes).
STATES = {
    "draft": _l("Utkast"),
    "submitted": _l("Inskickat för granskning"),
    "changes_requested": _l("Ändringar begärda"),
    "approved": _l("Godkänt"),
    "published": _l("Publicerat"),
    "rejected": _l("Avslaget"),
    "archived": _l("Arkiverat"),
}

# Workflow actions as buttons say them (kb/workflow.py Action values).
ACTIONS = {
    "save": _l("Spara"),
    "submit": _l("Skicka för granskning"),
    "request_changes": _l("Begär ändringar"),
    "approve": _l("Godkänn och publicera"),
    "reject": _l("Avslå"),
    "archive": _l("Arkivera"),
    "republish": _l("Publicera igen"),
}

# What happened, as the history page and notices say it (ReviewEvent.action).
EVENTS = {
    "create": _l("Skapat"),
    "edit": _l("Ändrat"),
    "save": _l("Sparat"),
    "submit": _l("Skickat för granskning"),
    "request_changes": _l("Ändringar begärda"),
    "approve": _l("Godkänt och publicerat"),
    "reject": _l("Avslaget"),
    "archive": _l("Arkiverat"),
    "republish": _l("Publicerat igen"),
    "comment": _l("Kommentar"),
    "load": _l("Inläst från innehållsfil"),
    "verify": _l("Kontrollerat"),
}

# The same events as a past-tense verb after a name ("anna@… godkände 3 maj"), for load conflicts.
EVENT_VERBS = {
    "create": _l("skapade"),
    "edit": _l("ändrade"),
    "save": _l("sparade"),
    "submit": _l("skickade för granskning"),
    "approve": _l("godkände"),
    "request_changes": _l("begärde ändringar i"),
    "reject": _l("avslog"),
    "archive": _l("arkiverade"),
    "republish": _l("publicerade igen"),
    "comment": _l("kommenterade"),
    "load": _l("laddade"),
    "verify": _l("kontrollerade"),
}

# The audit log's events (AuditEvent.action).
AUDIT = {
    "login": _l("Inloggning"),
    "login_failed": _l("Misslyckad inloggning"),
    "logout": _l("Utloggning"),
    "permission_denied": _l("Nekad åtkomst"),
    "mfa_enrol": _l("Tvåstegsverifiering påslagen"),
    "mfa_failed": _l("Fel engångskod"),
    "mfa_recovery_used": _l("Reservkod använd"),
    "mfa_recovery_new": _l("Nya reservkoder"),
    "mfa_reset": _l("Tvåstegsverifiering nollställd"),
    "user_add": _l("Användare tillagd"),
    "user_enable": _l("Konto aktiverat"),
    "user_disable": _l("Konto avstängt"),
    "user_role": _l("Roll ändrad"),
    "password_change": _l("Lösenord bytt"),
    "password_reset_issue": _l("Återställningslänk skapad"),
    "password_reset_request": _l("Återställning begärd"),
    "password_reset_use": _l("Lösenord återställt"),
    "entry_save": _l("Exempel sparat"),
    "entry_submit": _l("Exempel inskickat"),
    "entry_request_changes": _l("Ändringar begärda"),
    "entry_approve": _l("Exempel godkänt"),
    "entry_reject": _l("Exempel avslaget"),
    "entry_archive": _l("Exempel arkiverat"),
    "entry_republish": _l("Exempel publicerat igen"),
    "entry_verify": _l("Exempel kontrollerat"),
    "entry_load": _l("Exempel inläst från fil"),
    "bulk_refused": _l("Massåtgärd nekad"),
    "synonyms_save": _l("Synonymer sparade"),
    "synonyms_load": _l("Synonymer inlästa från fil"),
    "content_export": _l("Innehåll exporterat till filer"),
    "adoption_add": _l("Inspirerad kommun tillagd"),
    "adoption_update": _l("Inspirerad kommun ändrad"),
    "adoption_remove": _l("Inspirerad kommun borttagen"),
}

# An example's state as its badge in staff lists says it (moderation/_state.html).
BADGES = {
    "draft": _l("Utkast"),
    "submitted": _l("Väntar på granskning"),
    "changes_requested": _l("Ändringar begärda"),
    "rejected": _l("Avslaget"),
    "published": _l("Publicerat"),
    "archived": _l("Arkiverat"),
}

# The state of a pending change to a published example, after "ändring:" in the badge.
CHANGE_STATES = {
    "draft": _l("utkast"),
    "submitted": _l("väntar på granskning"),
    "changes_requested": _l("ändringar begärda"),
    "rejected": _l("avslagen"),
    "approved": _l("godkänd"),
}

# What someone did, after their name in the review page's thread ("anna@… · 3 maj · godkände").
THREAD_VERBS = {
    "create": _l("skapade utkastet"),
    "edit": _l("började en ändring"),
    "submit": _l("skickade för granskning"),
    "request_changes": _l("begärde ändringar"),
    "approve": _l("godkände"),
    "reject": _l("avslog"),
    "archive": _l("arkiverade"),
    "republish": _l("publicerade igen"),
    "comment": _l("kommenterade"),
    "verify": _l("markerade som kontrollerat"),
}

# LIX readability bands: (upper bound, label), the customary Swedish bands (kb/readability.py, static/js/lix.js).
LIX_BANDS = {
    25: _l("Mycket lättläst, som barnböcker"),
    30: _l("Lättläst, som skönlitteratur och populärtidningar"),
    40: _l("Medelsvår, som normal tidningstext"),
    50: _l("Svår, som normal facklitteratur och myndighetstext"),
    60: _l("Mycket svår, som byråkratsvenska"),
    10_000: _l("Extremt svår, som forskningsrapporter och lagtext"),
}

# Tabs of the review queue.
QUEUE_STATES = {
    "submitted": _l("Väntar på granskning"),
    "changes_requested": _l("Ändringar begärda"),
    "draft": _l("Utkast"),
    "rejected": _l("Avslagna"),
    "published": _l("Publicerade"),
    "archived": _l("Arkiverade"),
}

# Actions the review desk can apply to many examples at once.
BULK_ACTIONS = {
    "approve": _l("Godkänn och publicera"),
    "archive": _l("Arkivera"),
    "verify": _l("Markera som kontrollerade"),
}

# A reviewer's decision as the submitter's e-mail states it: (heading, explanation).
DECISIONS = {
    "request_changes": (_l("Ändringar begärda"),
                        _l("Granskaren vill att du ändrar exemplet innan det kan publiceras.")),
    "approve": (_l("Godkänt och publicerat"), _l("Exemplet är godkänt och publicerat.")),
    "reject": (_l("Avslaget"), _l("Exemplet har avslagits och kommer inte att publiceras.")),
}

ROLES = {
    "admin": _l("Administratör"),
    "moderator": _l("Moderator"),
    "contributor": _l("Bidragsgivare"),
}

# Whether the practice is planned, running or finished (PracticeStatus values, Swedish codes).
PRACTICE_STATUS = {
    "planerad": _l("Planerad"),
    "pågående": _l("Pågående"),
    "avslutad": _l("Avslutad"),
    "okänd": _l("Okänd – källan anger inte om arbetet pågår"),
}
# The same, as a choice in a form ("I don't know" rather than "unknown").
PRACTICE_STATUS_CHOICES = {**PRACTICE_STATUS, "okänd": _l("Vet inte")}

SORTS = {
    "relevans": _l("Relevans"),
    "nyast": _l("Nyast"),
    "titel": _l("Titel (A–Ö)"),
}

FACETS = {
    "category": _l("Ämne"),
    "county": _l("Län"),
    "municipality": _l("Kommun"),
}

FREQUENCIES = {
    "daily": _l("dagligen"),
    "weekly": _l("varje vecka"),
}

# Fields compared between two revisions (kb/diff.py keys).
DIFF_FIELDS = {
    "title": _l("Rubrik"),
    "summary": _l("Sammanfattning"),
    "category": _l("Ämne"),
    "municipalities": _l("Kommuner"),
    "counties": _l("Län"),
    "tags": _l("Nyckelord"),
    "status": _l("Läge"),
    "period": _l("Period"),
    "contact": _l("Kontakt"),
    "links": _l("Länkar"),
    "body": _l("Text"),
}

# Error pages: status → (heading, explanation).
ERRORS = {
    400: (_l("Felaktig förfrågan"), _l("Något i adressen eller formuläret gick inte att förstå.")),
    403: (_l("Åtkomst nekad"), _l("Du har inte behörighet att göra det här.")),
    404: (_l("Sidan finns inte"), _l("Vi hittar ingen sida på den adressen. Den kan ha flyttats eller tagits bort.")),
    405: (_l("Metoden är inte tillåten"), _l("Sidan kan inte användas på det sättet.")),
    409: (_l("Konflikt"), _l("Åtgärden går inte att utföra i exemplets nuvarande läge.")),
    413: (_l("För stor förfrågan"), _l("Det du skickade är för stort.")),
    429: (_l("För många försök"), _l("Vänta en stund och försök igen.")),
    500: (_l("Något gick fel"), _l("Ett oväntat fel uppstod hos oss. Försök igen om en stund.")),
    503: (_l("Tillfälligt otillgängligt"), _l("Tjänsten är tillfälligt otillgänglig. Försök igen om en liten stund.")),
}

# Where a saved version of the synonym list came from (SynonymVersion.source).
SYNONYM_SOURCES = {
    "content": _l("innehållsfil"),
    "web": _l("webbplatsen"),
}

# Who did something when no person did (history and audit).
ACTORS = {
    "content_file": _l("innehållsfil"),
    "system": _l("systemet"),
}

# Where an API parameter goes (OpenAPI `in`), on the API documentation page.
PARAMETER_LOCATIONS = {
    "query": _l("fråga"),
    "path": _l("sökväg"),
}

TABLES = {
    "states": STATES, "actions": ACTIONS, "events": EVENTS, "event_verbs": EVENT_VERBS, "audit": AUDIT,
    "queue_states": QUEUE_STATES, "bulk_actions": BULK_ACTIONS, "roles": ROLES,
    "practice_status": PRACTICE_STATUS, "practice_status_choices": PRACTICE_STATUS_CHOICES, "sorts": SORTS,
    "facets": FACETS, "frequencies": FREQUENCIES, "diff_fields": DIFF_FIELDS, "actors": ACTORS, "parameter_locations": PARAMETER_LOCATIONS,
    "synonym_sources": SYNONYM_SOURCES, "badges": BADGES, "change_states": CHANGE_STATES,
    "thread_verbs": THREAD_VERBS,
}


def label(table: dict | str, code) -> str:
    """The label of `code` in `table` (a table or its name in TABLES); the code itself if unknown."""
    if isinstance(table, str):
        table = TABLES[table]
    key = getattr(code, "value", code)
    if key is None or key == "":
        return ""
    found = table.get(key)
    return str(found) if found is not None else str(key)


def choices(table: dict | str, keys=None) -> list[tuple[str, str]]:
    """(code, label) pairs in table order (or in the order of `keys`), for select fields."""
    if isinstance(table, str):
        table = TABLES[table]
    return [(k, table[k]) for k in (keys if keys is not None else table)]
