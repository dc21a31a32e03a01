"""Staff pages to translate a round's and its shortlisted projects' own text into pb's languages.

Every /staff URL is staff-only (deny_by_default in pb.web).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb import i18n
from pb.domain.errors import DomainError, NotFound
from pb.services import content_translations, rounds_query
from pb.services.proposals import shortlisted_proposals

bp = Blueprint("translations_staff", __name__, url_prefix="/staff/rounds/<int:round_id>/translations")


def _round_or_404(round_id: int):
    try:
        return rounds_query.get_round(round_id)
    except NotFound:
        abort(404)


def _other_languages() -> list[i18n.Language]:
    return [language for code, language in i18n.languages(current_app).items() if code != "en"]


def _items(round_):
    """What residents read of a round: the round itself and its shortlisted projects."""
    return [("round", round_)] + [("proposal", p) for p in shortlisted_proposals(round_)]


@bp.route("")
def overview(round_id: int):
    round_ = _round_or_404(round_id)
    languages = _other_languages()
    items = _items(round_)
    state = {}
    for language in languages:
        done = content_translations.translations_in_round(round_, language.code)
        for kind, subject in items:
            rows = [done[(kind, subject.id, f.name)] for f in content_translations.FIELDS[kind]
                    if (kind, subject.id, f.name) in done]
            approved = sum(row.status == content_translations.APPROVED for row in rows)
            state[(kind, subject.id, language.code)] = (
                "none" if not rows else "approved" if approved == len(content_translations.FIELDS[kind])
                else "partly" if approved else "draft")
    return render_template("translations_staff/overview.html", round=round_, languages=languages,
                           items=items, state=state)


@bp.route("/<language>/<kind>/<int:object_id>", methods=["GET", "POST"])
def edit(round_id: int, language: str, kind: str, object_id: int):
    round_ = _round_or_404(round_id)
    target = next((lang for lang in _other_languages() if lang.code == language), None)
    subject = next((obj for k, obj in _items(round_) if k == kind and obj.id == object_id), None)
    if target is None or subject is None:
        abort(404)
    fields = content_translations.FIELDS[kind]
    existing = content_translations.translations_of(kind, object_id)
    values = {f.name: existing[(f.name, language)].text if (f.name, language) in existing else "" for f in fields}
    approved = all(existing[(f.name, language)].status == content_translations.APPROVED
                   for f in fields if (f.name, language) in existing) and bool(existing)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {f.name: request.form.get(f.name, "") for f in fields}
        approved = request.form.get("status") == content_translations.APPROVED
        try:
            content_translations.save_translations(
                current_user._get_current_object(), kind, object_id, language, values, approved=approved,
                languages=i18n.languages(current_app))
        except DomainError as exc:
            errors = exc.errors or {"status": exc.message}
        else:
            flash(_("The %(language)s translation is saved: %(status)s.", language=target.name,
                    status=_("approved, residents see it") if approved else _("a draft, residents do not see it yet")),
                  "success")
            return redirect(url_for("translations_staff.overview", round_id=round_id))
    return render_template("translations_staff/edit.html", round=round_, language=target, kind=kind,
                           subject=subject, fields=fields, values=values, approved=approved,
                           errors=errors), 400 if errors else 200
