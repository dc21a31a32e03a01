"""Forms for the staff review of suspicious registrations and its settings.

The page shows one set of action forms per group, so each form's fields are given ids of
their own (`for_group`): an error summary then links to the right group's field.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField


class _GroupForm(FlaskForm):
    """What every action on a group posts; the services check what was typed and say what to fix."""

    ACTION = "group"
    # The group's resident ids as the page showed them: an action on a group that has grown is refused.
    members_seen = HiddenField()

    def for_group(self, slug: str) -> "_GroupForm":
        """Give every field an id that is unique on the page, such as "burst-from-17-note"."""
        for f in self:
            f.id = f"{slug}-{self.ACTION}-{f.name}"
        return self

    def has_visible(self, name: str) -> bool:
        """Whether the form shows a field called `name` (its errors can be shown next to it)."""
        f = getattr(self, name, None)
        return f is not None and hasattr(f, "type") and f.type not in ("HiddenField", "CSRFTokenField")

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            if not self.has_visible(key):
                continue
            target = getattr(self, key)
            if message not in target.errors:
                target.errors = list(target.errors) + [message]


class CheckGroupForm(_GroupForm):
    ACTION = "check"
    note = TextAreaField(_l("Note (optional)"))


class AskToVerifyForm(_GroupForm):
    ACTION = "verify"


class RefuseGroupForm(_GroupForm):
    ACTION = "refuse"
    reason = TextAreaField(_l("Reason (shown to each resident)"))


class SuspicionSettingsForm(FlaskForm):
    """Field names are the site settings' keys (pb.services.site_settings.SETTINGS)."""

    suspicious_postcode_threshold = StringField(
        _l("Self-declared registrations at one postcode before staff are told"),
        render_kw={"inputmode": "numeric", "spellcheck": "false"})
    suspicious_burst_threshold = StringField(
        _l("Registrations within one hour before staff are told"),
        render_kw={"inputmode": "numeric", "spellcheck": "false"})
    check_in_person_places = TextAreaField(
        _l("Where residents can have their details checked in person"))

    KEYS = ("suspicious_postcode_threshold", "suspicious_burst_threshold", "check_in_person_places")

    def values(self) -> dict[str, str | None]:
        return {key: getattr(self, key).data for key in self.KEYS}

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            target = getattr(self, key, None) or self.suspicious_postcode_threshold
            target.errors = list(target.errors) + [message]
