"""ORM classes and enums only; behaviour lives in services, places, content and search."""
from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .fields import LIMITS


def utcnow() -> datetime:
    """Timezone-aware now in UTC (stored naive-as-UTC by SQLite, aware by PostgreSQL)."""
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes (stored as UTC); make every value timezone-aware UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class EntryState(enum.StrEnum):
    """Where an example is in its life: only `published` is public."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class RevisionState(enum.StrEnum):
    """Where one revision is in review; `approved` revisions are (or were) the published text."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class Role(enum.StrEnum):
    """What a user may do; moderators and contributors belong to one county."""

    ADMIN = "admin"
    MODERATOR = "moderator"
    CONTRIBUTOR = "contributor"


class PracticeStatus(enum.StrEnum):
    """Whether the practice itself is planned, running or finished (Swedish values as in content files)."""

    PLANERAD = "planerad"
    PAGAENDE = "pågående"
    AVSLUTAD = "avslutad"
    OKAND = "okänd"


def _enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    # Stored as plain strings (no native enum type) so SQLite and PostgreSQL agree.
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class County(db.Model):
    """A län, keyed by its two-digit official code."""

    __tablename__ = "counties"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="county", order_by="Municipality.name"
    )

    def __repr__(self) -> str:
        return f"<County {self.code} {self.name}>"


class Municipality(db.Model):
    """A kommun, keyed by its four-digit official code; the first two digits are its county."""

    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("counties.code"), index=True)

    county: Mapped[County] = relationship(back_populates="municipalities")

    def __repr__(self) -> str:
        return f"<Municipality {self.code} {self.name}>"


class Category(db.Model):
    """A topic such as Bostäder; the list lives in content/categories.yaml."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(LIMITS["category"]), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # English name and description for English pages (None: the Swedish ones are shown).
    name_en: Mapped[str | None] = mapped_column(sa.String(120), nullable=True)
    description_en: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    position: Mapped[int] = mapped_column(default=0)


class Tag(db.Model):
    """A free keyword, stored lower-case."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(LIMITS["tag"]), unique=True)


revision_municipalities = sa.Table(
    "revision_municipalities",
    db.metadata,
    sa.Column("revision_id", sa.ForeignKey("revisions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("municipality_code", sa.ForeignKey("municipalities.code"), primary_key=True),
)

revision_counties = sa.Table(
    "revision_counties",
    db.metadata,
    sa.Column("revision_id", sa.ForeignKey("revisions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("county_code", sa.ForeignKey("counties.code"), primary_key=True),
)

revision_tags = sa.Table(
    "revision_tags",
    db.metadata,
    sa.Column("revision_id", sa.ForeignKey("revisions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True),
)


class Entry(db.Model):
    """A good example: a stable slug and state, with its text in revisions."""

    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(LIMITS["slug"]), unique=True)
    state: Mapped[EntryState] = mapped_column(_enum(EntryState, "entry_state"), index=True)
    owner_county_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("counties.code"), index=True
    )
    published_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("revisions.id", use_alter=True, ondelete="SET NULL")
    )
    working_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("revisions.id", use_alter=True, ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    version_id: Mapped[int] = mapped_column(default=1)
    # Freshness: when a county board last checked that the example is still true (kb/freshness.py).
    verified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verified_county_code: Mapped[str | None] = mapped_column(sa.ForeignKey("counties.code"))
    verified_note: Mapped[str] = mapped_column(sa.Text, default="")

    revisions: Mapped[list[Revision]] = relationship(
        back_populates="entry",
        foreign_keys="Revision.entry_id",
        order_by="Revision.number",
        cascade="all, delete-orphan",
    )
    published_revision: Mapped[Revision | None] = relationship(
        foreign_keys=[published_revision_id], post_update=True
    )
    working_revision: Mapped[Revision | None] = relationship(
        foreign_keys=[working_revision_id], post_update=True
    )
    owner_county: Mapped[County | None] = relationship(foreign_keys=[owner_county_code])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    verified_county: Mapped[County | None] = relationship(foreign_keys=[verified_county_code])
    adoptions: Mapped[list[Adoption]] = relationship(
        back_populates="entry", foreign_keys="Adoption.entry_id", order_by="Adoption.year, Adoption.id",
        cascade="all, delete-orphan",
    )
    events: Mapped[list[ReviewEvent]] = relationship(
        back_populates="entry", order_by="ReviewEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def is_public(self) -> bool:
        """True when the public may see this entry."""
        return self.state is EntryState.PUBLISHED and self.published_revision is not None


class Revision(db.Model):
    """One version of an example's text, category, places and tags."""

    __tablename__ = "revisions"
    __table_args__ = (sa.UniqueConstraint("entry_id", "number", name="uq_revisions_entry_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(LIMITS["title"]))
    summary: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    # A draft may not have a topic yet; submission and content files require one.
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    practice_status: Mapped[PracticeStatus] = mapped_column(
        _enum(PracticeStatus, "practice_status"), default=PracticeStatus.OKAND
    )
    source_title: Mapped[str] = mapped_column(sa.String(LIMITS["source_title"]), default="")
    source_published: Mapped[str] = mapped_column(sa.String(20), default="")
    source_sections: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    review_state: Mapped[RevisionState] = mapped_column(
        _enum(RevisionState, "revision_state"), default=RevisionState.APPROVED
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    period_start: Mapped[int | None] = mapped_column()
    period_end: Mapped[int | None] = mapped_column()
    contact_organisation: Mapped[str] = mapped_column(sa.String(LIMITS["contact_organisation"]), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(LIMITS["contact_name"]), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(LIMITS["email"]), default="")
    contact_public: Mapped[bool] = mapped_column(default=False)
    links: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    entry: Mapped[Entry] = relationship(back_populates="revisions", foreign_keys=[entry_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    category: Mapped[Category | None] = relationship()
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=revision_municipalities, order_by=Municipality.name
    )
    counties: Mapped[list[County]] = relationship(secondary=revision_counties, order_by=County.code)
    tags: Mapped[list[Tag]] = relationship(secondary=revision_tags, order_by=Tag.name)

    @property
    def all_county_codes(self) -> list[str]:
        """Counties named directly plus the counties of the named municipalities, sorted."""
        codes = {c.code for c in self.counties} | {m.county_code for m in self.municipalities}
        return sorted(codes)


class User(db.Model):
    """A county-board or national account. `session_token` rotates to end every session."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(LIMITS["email"]), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    county_code: Mapped[str | None] = mapped_column(sa.ForeignKey("counties.code"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    notify_by_email: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    county: Mapped[County | None] = relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Identity stored in the session cookie: id plus the current session token."""
        return f"{self.id}:{self.session_token}"

    @property
    def label(self) -> str:
        return self.name or self.email


class ReviewEvent(db.Model):
    """One step in an example's moderation: who moved it from which state to which, and why."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("revisions.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str] = mapped_column(sa.String(32), default="")
    to_state: Mapped[str] = mapped_column(sa.String(32), default="")
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="events")
    revision: Mapped[Revision | None] = relationship()
    actor: Mapped[User | None] = relationship()


class AuditEvent(db.Model):
    """Append-only security log: logins, refusals and transitions (the database refuses UPDATE and DELETE)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor: Mapped[str] = mapped_column(sa.String(300), default="")
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40), default="")
    object_id: Mapped[str] = mapped_column(sa.String(200), default="")
    from_state: Mapped[str] = mapped_column(sa.String(32), default="")
    to_state: Mapped[str] = mapped_column(sa.String(32), default="")
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    address: Mapped[str] = mapped_column(sa.String(64), default="")


class SynonymSet(db.Model):
    """One saved version of the synonym table (YAML text); the newest is in force."""

    __tablename__ = "synonym_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(sa.String(40), default="")  # 'content', 'web'

    author: Mapped[User | None] = relationship()


class IndexLogEntry(db.Model):
    """One change to what the public search index must hold, written in the same transaction
    as the change. Each process applies the log to its own index from the last id it applied,
    so a crash after the commit, another worker or another machine never leaves the index behind."""

    __tablename__ = "index_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class ContentFile(db.Model):
    """What `flask kb load` last took from one content file: its sha256 and what that load produced.

    The load's three-way rule compares the file's hash now with this record (did the file
    change?) and the entry's live revision (or the newest synonym set) with the one recorded
    here (did the web change it?). See kb/exchange.py.
    """

    __tablename__ = "content_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Relative to the content root: 'examples/<slug>.md', 'categories.yaml', 'synonyms.yaml'.
    path: Mapped[str] = mapped_column(sa.String(300), unique=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("revisions.id", ondelete="SET NULL"))
    synonym_set_id: Mapped[int | None] = mapped_column(sa.ForeignKey("synonym_sets.id", ondelete="SET NULL"))
    loaded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    entry: Mapped[Entry | None] = relationship()
    revision: Mapped[Revision | None] = relationship()


class TwoFactorCredential(db.Model):
    """A user's confirmed TOTP secret; `last_step` refuses a code that was already used once."""

    __tablename__ = "two_factor_credentials"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(sa.String(64))
    last_step: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    confirmed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class RecoveryCode(db.Model):
    """A single-use recovery code for two-factor sign-in, stored only as an argon2 hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class OutboxMessage(db.Model):
    """One e-mail waiting to be delivered, written in the same transaction as the event that caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)
    failed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class SavedSearch(db.Model):
    """An e-mail alert for a search (no account): pending until confirmed, deleted on unsubscribe."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(LIMITS["email"]), index=True)
    q: Mapped[str] = mapped_column(sa.String(300), default="")
    category: Mapped[str] = mapped_column(sa.String(80), default="")
    county: Mapped[str] = mapped_column(sa.String(2), default="")
    municipality: Mapped[str] = mapped_column(sa.String(4), default="")
    frequency: Mapped[str] = mapped_column(sa.String(10), default="weekly")  # daily | weekly
    nonce: Mapped[str] = mapped_column(sa.String(32))  # part of every signed link; rotating it voids them
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    checked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Adoption(db.Model):
    """Another municipality took up an example ("Har inspirerat"), optionally with its own example."""

    __tablename__ = "adoptions"
    __table_args__ = (sa.UniqueConstraint("entry_id", "municipality_code", name="uq_adoptions_entry_municipality"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    municipality_code: Mapped[str] = mapped_column(sa.ForeignKey("municipalities.code"), index=True)
    year: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(sa.String(LIMITS["adoption_note"]), default="")
    link: Mapped[str] = mapped_column(sa.String(LIMITS["link"]), default="")
    adopter_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entries.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="adoptions", foreign_keys=[entry_id])
    adopter_entry: Mapped[Entry | None] = relationship(foreign_keys=[adopter_entry_id])
    municipality: Mapped[Municipality] = relationship()


class PasswordReset(db.Model):
    """A single-use, time-limited password reset link issued by an administrator; only its hash is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
