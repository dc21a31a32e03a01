"""Settings an administrator changes inside pb: thresholds for suspicious registrations, and where
residents can have their details checked in person. Each has a default, used until it is set."""
from __future__ import annotations

from dataclasses import dataclass

from pb.domain.errors import NotAllowed, ValidationFailed
from pb.domain.words import N_, _
from pb.extensions import db
from pb.models import SiteSetting, User
from pb.services import audit
from pb.services.transaction import transaction


@dataclass(frozen=True)
class Setting:
    key: str
    label: str  # marked for the catalogs: shown as _(setting.label)
    default: str
    # Whole numbers from `low` to `high`; None for free text.
    low: int | None = None
    high: int | None = None
    max_length: int = 2000


SETTINGS = {
    s.key: s
    for s in (
        Setting("suspicious_postcode_threshold", N_("Self-declared registrations at one postcode before staff are told"),
                "6", low=2, high=1000),
        Setting("suspicious_burst_threshold", N_("Registrations within one hour before staff are told"), "10",
                low=2, high=10000),
        Setting("check_in_person_places",
                N_("Where residents can have their details checked in person (one place and time per line)"), ""),
    )
}


def get_setting(key: str) -> str:
    row = db.session.get(SiteSetting, key)
    return row.value if row is not None else SETTINGS[key].default


def get_number(key: str) -> int:
    value = get_setting(key)
    return int(value) if value.strip().isdigit() else int(SETTINGS[key].default)


def check_value(key: str, value: str | None) -> str:
    """The value as it would be stored; ValidationFailed (under the setting's key) if it is not allowed."""
    setting = SETTINGS[key]
    text = (value or "").replace("\r\n", "\n").strip()
    if setting.low is not None:
        if not text.isdigit() or not setting.low <= int(text) <= setting.high:
            raise ValidationFailed(_("Enter a whole number from %(low)s to %(high)s", low=setting.low, high=setting.high),
                                   field=key)
        return str(int(text))
    if len(text) > setting.max_length:
        raise ValidationFailed(_("Keep this to %(most)s characters or fewer", most=setting.max_length), field=key)
    return text


def update_settings(actor: User, values: dict[str, str | None]) -> list[str]:
    """An administrator changes settings; every value is checked first and nothing is saved if one is wrong.

    Returns the keys that changed (audited with their old and new values).
    """
    if not actor.is_admin:
        raise NotAllowed(_("Only an administrator can change these settings."))
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for key, value in values.items():
        if key not in SETTINGS:
            raise ValidationFailed(_("Unknown setting %(key)s", key=repr(key)), field=key)
        try:
            clean[key] = check_value(key, value)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    changed = []
    with transaction():
        for key, value in clean.items():
            old = get_setting(key)
            if old == value:
                continue
            row = db.session.get(SiteSetting, key)
            if row is None:
                db.session.add(SiteSetting(key=key, value=value))
            else:
                row.value = value
            changed.append(key)
            audit.record(actor, "settings.changed", setting=key, old=old, new=value)
    return changed


def places_to_check_in_person() -> list[str]:
    return [line.strip() for line in get_setting("check_in_person_places").splitlines() if line.strip()]
