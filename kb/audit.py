"""Append-only audit log: logins, failed logins, refusals and transitions.

Values are escaped so that a name or comment containing line breaks or other
control characters cannot forge a second entry in a log line.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from .extensions import db
from .models import AuditEvent

log = logging.getLogger("kb.audit")


@dataclass(frozen=True)
class Actor:
    """Who does something, and from where; services take this instead of reading request globals."""

    user: object | None
    address: str = ""

    @property
    def id(self):
        return getattr(self.user, "id", None)

    @property
    def label(self) -> str:
        return getattr(self.user, "audit_label", "") or getattr(self.user, "email", "") or "anonym"


def clean(value, limit: int = 2000) -> str:
    """A single-line, bounded representation: control characters become visible escapes."""
    text = "" if value is None else str(value)
    out = []
    for ch in text[:limit]:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 32 or code == 127 or 0x2028 <= code <= 0x2029 or 0x202A <= code <= 0x202E:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def record(actor: Actor, action: str, object_type: str = "", object_id="", from_state: str = "",
           to_state: str = "", detail: str = "", actor_label: str | None = None) -> AuditEvent:
    """Add one audit row (flushed with the caller's transaction) and log the same line."""
    event = AuditEvent(
        actor_id=actor.id,
        actor=clean(actor_label if actor_label is not None else actor.label, 300),
        action=clean(action, 40),
        object_type=clean(object_type, 40),
        object_id=clean(object_id, 200),
        from_state=clean(from_state, 32),
        to_state=clean(to_state, 32),
        detail=clean(detail),
        address=clean(actor.address, 64),
    )
    db.session.add(event)
    log.info(
        "audit action=%s actor=%s object=%s:%s from=%s to=%s address=%s detail=%s",
        event.action, event.actor, event.object_type, event.object_id, event.from_state,
        event.to_state, event.address, event.detail,
    )
    return event


def record_now(actor: Actor, action: str, **kwargs) -> None:
    """Record in a transaction of its own (for refusals, whose request writes nothing else)."""
    try:
        record(actor, action, **kwargs)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not write audit event %s", clean(action))
