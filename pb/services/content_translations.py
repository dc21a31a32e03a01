"""Staff's translations of a round's and its projects' own text, and which residents see.

A translation is one field (a round's title or description, a project's title or summary) in one
language. Saved as a draft it is kept for a second look; approved, it is what residents reading
that language see. An empty box removes the translation, and residents see the English again.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from pb.domain.errors import NotFound, ValidationFailed
from pb.domain.words import N_, _
from pb.extensions import db
from pb.models import ContentTranslation, Proposal, Round, User
from pb.services import audit
from pb.services.transaction import transaction

DRAFT, APPROVED = "draft", "approved"


@dataclass(frozen=True)
class TranslatableField:
    name: str
    label: str       # marked for the catalogs; translated where shown
    longest: int
    long_text: bool = False


# The same limits as the English fields (pb.models.Round, pb.models.Proposal).
FIELDS = {
    "round": (TranslatableField("title", N_("Title"), 120),
              TranslatableField("description", N_("Description"), 5000, long_text=True)),
    "proposal": (TranslatableField("title", N_("Title"), 80),
                 TranslatableField("summary", N_("Summary"), 200, long_text=True)),
}


def _subject(kind: str, object_id: int) -> tuple[Round, Round | Proposal]:
    """(round, the round or project whose text is translated)."""
    if kind == "round":
        round_ = db.session.get(Round, object_id)
        if round_ is None:
            raise NotFound(_("There is no such round."))
        return round_, round_
    if kind == "proposal":
        proposal = db.session.get(Proposal, object_id)
        if proposal is None:
            raise NotFound(_("There is no such project."))
        return proposal.round, proposal
    raise NotFound(_("There is nothing like that to translate."))


def translations_of(kind: str, object_id: int) -> dict[tuple[str, str], ContentTranslation]:
    """Every translation of one round's or project's text: (field, language) -> translation."""
    rows = db.session.scalars(select(ContentTranslation).where(
        ContentTranslation.kind == kind, ContentTranslation.object_id == object_id))
    return {(row.field, row.language): row for row in rows}


def translations_in_round(round_: Round, language: str) -> dict[tuple[str, int, str], ContentTranslation]:
    """The translations into `language` of a round's text and of its projects': (kind, id, field) -> row."""
    proposal_ids = select(Proposal.id).where(Proposal.round_id == round_.id)
    rows = db.session.scalars(select(ContentTranslation).where(
        ContentTranslation.language == language,
        ((ContentTranslation.kind == "round") & (ContentTranslation.object_id == round_.id))
        | ((ContentTranslation.kind == "proposal") & ContentTranslation.object_id.in_(proposal_ids))))
    return {(row.kind, row.object_id, row.field): row for row in rows}


def approved_texts(language: str) -> dict[tuple[str, int, str], str]:
    """What residents reading `language` see in place of the English: (kind, id, field) -> text."""
    rows = db.session.execute(select(ContentTranslation.kind, ContentTranslation.object_id,
                                     ContentTranslation.field, ContentTranslation.text).where(
        ContentTranslation.language == language, ContentTranslation.status == APPROVED))
    return {(kind, object_id, field): text for kind, object_id, field, text in rows}


def save_translations(staff: User, kind: str, object_id: int, language: str, texts: Mapping[str, str | None],
                      *, approved: bool, languages: Iterable[str]) -> int:
    """Save a round's or project's text in `language` (one of `languages`, never the English source).

    Returns how many fields changed. Bad input changes nothing: every field is checked first.
    """
    if language not in set(languages) - {"en"}:
        raise ValidationFailed(_("Choose one of the languages pb speaks."), field="language")
    round_, subject = _subject(kind, object_id)
    fields = FIELDS[kind]
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for f in fields:
        text = (texts.get(f.name) or "").replace("\r\n", "\n").strip()
        if len(text) > f.longest:
            errors[f.name] = _("Shorten the %(field)s to %(most)s characters or fewer (it has %(count)s).",
                               field=_(f.label).lower(), most=f.longest, count=len(text))
        cleaned[f.name] = text
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    status = APPROVED if approved else DRAFT
    existing = translations_of(kind, object_id)
    changed = 0
    with transaction():
        for f in fields:
            row = existing.get((f.name, language))
            text = cleaned[f.name]
            if not text:
                if row is not None:
                    db.session.delete(row)
                    changed += 1
                continue
            if row is None:
                db.session.add(ContentTranslation(kind=kind, object_id=object_id, field=f.name, language=language,
                                                  text=text, status=status, updated_by_id=staff.id))
                changed += 1
            elif row.text != text or row.status != status:
                row.text, row.status, row.updated_by_id = text, status, staff.id
                changed += 1
        if changed:
            audit.record(staff, "content.translated", round=round_, kind=kind, object_id=object_id,
                         language=language, status=status, fields_changed=changed)
    return changed
