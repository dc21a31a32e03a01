"""Verification rules: who must be verified before voting, and how a ballot's voter was known.

Plain Python: the services read the values from the database and ask here.
"""
from __future__ import annotations

import ipaddress

from pb.domain.words import N_, _

SELF_DECLARED = "self-declared"
STAFF = "staff"
LIST = "list"
LETTER = "letter"
VERIFIED_WAYS = (STAFF, LIST, LETTER)
RESIDENT_WAYS = VERIFIED_WAYS + (SELF_DECLARED,)

# How a ballot's voter was known, as the voter roll records it and the results count it.
CODE = "code"  # cast with a voting code staff issued to the person
PAPER = "paper"  # a paper ballot staff keyed for the person
BALLOT_WAYS = (STAFF, LIST, LETTER, CODE, PAPER, SELF_DECLARED)
# The labels are marked for the catalogs and translated where they are shown (the functions below).
BALLOT_WAY_LABELS = {
    STAFF: N_("Checked by staff"),
    LIST: N_("Matched a resident list"),
    LETTER: N_("Confirmed by a letter code"),
    CODE: N_("Voting code from staff"),
    PAPER: N_("Paper ballot keyed by staff"),
    SELF_DECLARED: N_("Self-declared"),
}
RESIDENT_WAY_LABELS = {
    STAFF: N_("Checked by staff"),
    LIST: N_("Matched a resident list"),
    LETTER: N_("Confirmed by a letter code"),
    SELF_DECLARED: N_("Self-declared (not checked yet)"),
}


def ballot_way_label(way: str | None, missing: str | None = None) -> str:
    """How a ballot's voter was known, in the current language (`missing`, or the way itself, when unknown)."""
    label = BALLOT_WAY_LABELS.get(way)
    return _(label) if label else (missing if missing is not None else str(way))


def resident_way_label(way: str | None, missing: str | None = None) -> str:
    """How pb knows a resident, in the current language (`missing`, or the way itself, when unknown)."""
    label = RESIDENT_WAY_LABELS.get(way)
    return _(label) if label else (missing if missing is not None else str(way))


def ballot_way_labels() -> dict[str, str]:
    """Every ballot way's label in the current language (for templates)."""
    return {way: _(label) for way, label in BALLOT_WAY_LABELS.items()}


def resident_way_labels() -> dict[str, str]:
    """Every resident way's label in the current language (for templates)."""
    return {way: _(label) for way, label in RESIDENT_WAY_LABELS.items()}

def count_by_way(rows, ways: tuple[str, ...], missing: str = SELF_DECLARED) -> dict[str, int]:
    """(way, count) rows as a dict holding every one of `ways` (0 where there are none); rows with no way
    recorded count under `missing`."""
    counts = {way: 0 for way in ways}
    for way, n in rows:
        counts[way or missing] = counts.get(way or missing, 0) + n
    return counts


def ballot_verification(resident_way: str | None, *, paper: bool, used_voting_code: bool) -> str:
    """How the voter of a ballot was known: staff keyed it, staff issued its code, or the resident's own way."""
    if paper:
        return PAPER
    if used_voting_code:
        return CODE
    return resident_way if resident_way in RESIDENT_WAYS else SELF_DECLARED


def must_verify_first(*, verified_only: bool, resident_way: str | None, verification_requested: bool,
                      paper: bool, used_voting_code: bool) -> bool:
    """Whether an online ballot must wait until the resident is verified.

    Paper ballots and voting codes come through staff, who identified the person. Otherwise a
    self-declared resident waits in a verified-only round, and in any round once staff asked
    for them to be verified.
    """
    if paper or used_voting_code:
        return False
    if (resident_way or SELF_DECLARED) != SELF_DECLARED:
        return False
    return verified_only or verification_requested


def network_prefix(address: str | None) -> str | None:
    """The network an address belongs to: its IPv4 /24 or IPv6 /48, or None for anything unreadable.

    Only a keyed hash of this is ever kept (pb.services.verification.network_key), so
    registrations from one network can be grouped without keeping anyone's address.
    """
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))
