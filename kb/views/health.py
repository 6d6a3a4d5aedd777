"""Probes: `/healthz` for load balancers (is the database reachable, is the index usable and how
far behind) and `/livez` for process supervisors (does this worker answer at all)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from ..indexing import LogSource, read_session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers and the index is usable; 503 otherwise. Always JSON."""
    body: dict = {"status": "ok"}
    index = current_app.extensions["kb_index"]
    try:
        with read_session() as session:
            session.execute(sa.text("SELECT 1"))
            last = LogSource.last_id(session)
        body["database"] = {"ok": True}
    except Exception as exc:  # reported, never raised: this page must answer
        body["database"] = {"ok": False, "error": type(exc).__name__}
        last = None
    usable, reason = index.status()
    info = index.info()
    body["index"] = {
        "ok": usable and not index.dirty_flag.exists(),
        "reason": None if usable else reason,
        "generation": info["generation"],
        "documents": info["documents"],
        "applied": info["applied"],
        "log": last,
        "lag": (last - info["applied"]) if last is not None and info["applied"] is not None else None,
    }
    healthy = body["database"]["ok"] and body["index"]["ok"]
    body["status"] = "ok" if healthy else "unavailable"
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/livez")
def livez():
    """200 while this process answers requests, whatever the database or index say: a supervisor
    restarts a worker that stops answering, not one whose database is down (that is /healthz)."""
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response
