"""Registrations that look invented: the groups staff are shown to check (DESIGN.md, "Who may vote").

Four signals, each found in plain records of registrations:

- *shared postcode*: more self-declared registrations at one full postcode than the
  administrator's threshold;
- *shared address*: more than SHARED_ADDRESS_LIMIT residents asking for verification letters
  to one address (one person could collect the letters of many invented neighbours);
- *burst*: more online self-declared registrations within one hour (any 60-minute window)
  than the administrator's threshold, with how many came from one network;
- *near-duplicate people*: the same date of birth and postcode with names that differ by a
  typo (at most 2 letters added, removed, changed or swapped) or hold the same letters in
  another order, at least one of them self-declared.

Only registrations nobody has checked make a group, if they are not refused: self-declared
ones, and ones confirmed only by a letter (a letter reaches a door, not a person). Residents
checked by staff or matched to a resident list are real; refused ones can no longer vote. Every group has a `group_key` that stays the same
while the group grows, made of letters, digits and dashes (it is used in addresses and page
ids), so a group staff marked checked can be recognised again.
"""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pb.domain.resident_list import normalised_name, normalised_postcode
from pb.domain.words import N_, _

SHARED_POSTCODE = "shared-postcode"
BURST = "burst"
NEAR_DUPLICATE = "near-duplicate"
SHARED_ADDRESS = "shared-address"
KINDS = (SHARED_POSTCODE, SHARED_ADDRESS, BURST, NEAR_DUPLICATE)
# Marked for the catalogs; translated where shown (kind_label).
KIND_LABELS = {
    SHARED_POSTCODE: N_("Many self-declared registrations at one postcode"),
    SHARED_ADDRESS: N_("Many verification letters to one address"),
    BURST: N_("Many registrations online within an hour"),
    NEAR_DUPLICATE: N_("The same person registered more than once?"),
}


def kind_label(kind: str) -> str:
    """A kind of group's heading in the current language."""
    label = KIND_LABELS.get(kind)
    return _(label) if label else kind


BURST_WINDOW = timedelta(hours=1)
# More letters than this to one address (a household of older residents is rarely bigger).
SHARED_ADDRESS_LIMIT = 2
# Names that differ by at most this many letters added, removed, changed or swapped look like a typo.
MAX_NAME_DISTANCE = 2


@dataclass(frozen=True)
class Registration:
    """What the signals need to know about one resident's registration."""

    id: int
    name: str
    date_of_birth: date | None
    postcode: str | None
    created_at: datetime
    network_key: str | None = None
    online: bool = True  # registered themselves, not registered in person by staff
    self_declared: bool = True
    letter_only: bool = False  # verified only by the code from a letter posted to `address`
    refused: bool = False
    address: str | None = None  # where a verification letter goes (house and street), if one was asked for

    @property
    def counts(self) -> bool:
        """Whether this registration can make a group: nobody has checked it (self-declared, or only
        by a letter), and it is not refused."""
        return (self.self_declared or self.letter_only) and not self.refused


@dataclass(frozen=True)
class Group:
    kind: str
    group_key: str
    members: tuple[Registration, ...]  # oldest registration first
    # Bursts: the most members that came from one network, and whether that is all of them.
    from_one_network: int = 0

    @property
    def member_ids(self) -> tuple[int, ...]:
        return tuple(sorted(m.id for m in self.members))

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def first(self) -> datetime:
        return self.members[0].created_at

    @property
    def last(self) -> datetime:
        return self.members[-1].created_at

    @property
    def all_from_one_network(self) -> bool:
        return self.from_one_network == self.size

    @property
    def postcode(self) -> str | None:
        return self.members[0].postcode

    @property
    def address(self) -> str | None:
        return self.members[0].address

    @property
    def date_of_birth(self) -> date | None:
        return self.members[0].date_of_birth

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def _ordered(people: Iterable[Registration]) -> tuple[Registration, ...]:
    return tuple(sorted(people, key=lambda p: (p.created_at, p.id)))


# ---------------------------------------------------------------- shared postcode


def shared_postcodes(people: Iterable[Registration], threshold: int) -> list[Group]:
    """Full postcodes with more than `threshold` self-declared registrations that are not refused."""
    by_postcode: dict[str, list[Registration]] = defaultdict(list)
    for person in people:
        if person.counts and person.postcode:
            by_postcode[normalised_postcode(person.postcode)].append(person)
    groups = [Group(SHARED_POSTCODE, key, _ordered(members))
              for key, members in by_postcode.items() if len(members) > threshold]
    return sorted(groups, key=lambda g: (-g.size, g.group_key))


# ---------------------------------------------------------------- shared address


def address_key(address: str | None, postcode: str | None) -> str | None:
    """"Flat 2, 14 Mare Street" at "e8 1ab" -> "flat-2-14-mare-street-E81AB": one letter address however it is typed."""
    if not address or not postcode:
        return None
    words = normalised_name(address).replace(" ", "-")
    return f"{words}-{normalised_postcode(postcode)}" if words else None


def shared_addresses(people: Iterable[Registration], limit: int = SHARED_ADDRESS_LIMIT) -> list[Group]:
    """Letter addresses that more than `limit` unchecked, unrefused residents gave."""
    by_address: dict[str, list[Registration]] = defaultdict(list)
    for person in people:
        key = address_key(person.address, person.postcode)
        if person.counts and key:
            by_address[key].append(person)
    # Keyed by a digest: the group's key appears in addresses of staff pages, the address must not.
    groups = [Group(SHARED_ADDRESS, hashlib.sha256(key.encode()).hexdigest()[:20], _ordered(members))
              for key, members in by_address.items() if len(members) > limit]
    return sorted(groups, key=lambda g: (-g.size, g.group_key))


# ---------------------------------------------------------------- bursts


def bursts(people: Iterable[Registration], threshold: int, window: timedelta = BURST_WINDOW) -> list[Group]:
    """Runs of online self-declared registrations where some `window` holds more than `threshold`.

    Windows that overlap make one group, from its first registration to its last. A burst
    from one network is always a burst of the whole site too, so each burst is one group
    that says how many of its members came from one network.
    """
    ordered = _ordered(p for p in people if p.counts and p.online)
    spans: list[list[int]] = []  # [first index, last index] of merged busy windows
    end = 0
    for start, person in enumerate(ordered):
        end = max(end, start)
        while end + 1 < len(ordered) and ordered[end + 1].created_at - person.created_at < window:
            end += 1
        if end - start + 1 > threshold:
            if spans and start <= spans[-1][1]:
                spans[-1][1] = end
            else:
                spans.append([start, end])
    groups = []
    for first, last in spans:
        members = ordered[first:last + 1]
        networks = Counter(m.network_key for m in members if m.network_key)
        most = networks.most_common(1)[0][1] if networks else 0
        groups.append(Group(BURST, f"from-{members[0].id}", members, from_one_network=most))
    return sorted(groups, key=lambda g: (g.first, g.group_key), reverse=True)


# ---------------------------------------------------------------- near-duplicate people


def edit_distance(a: str, b: str) -> int:
    """Letters added, removed, changed, or two neighbours swapped, to turn `a` into `b`.

    The optimal string alignment form of the Damerau–Levenshtein distance: "jon" and "john"
    are 1 apart, "jhon" and "john" 1 (a swap), "smith" and "smyth" 1.
    """
    if a == b:
        return 0
    if not a or not b:
        return len(a) + len(b)
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[-1]


def similar_names(a: str, b: str, max_distance: int = MAX_NAME_DISTANCE) -> bool:
    """Whether two names look like one person's: a typo apart, or the same letters in another order.

    Compared after pb.domain.resident_list.normalised_name (case, accents, punctuation and
    spacing do not matter), as typed and with the words in alphabetical order, so
    "Smith Jon" and "John Smith" are similar too.
    """
    na, nb = normalised_name(a), normalised_name(b)
    if not na or not nb:
        return False
    if edit_distance(na, nb) <= max_distance:
        return True
    if edit_distance(" ".join(sorted(na.split())), " ".join(sorted(nb.split()))) <= max_distance:
        return True
    return sorted(na.replace(" ", "")) == sorted(nb.replace(" ", ""))


def near_duplicates(people: Iterable[Registration]) -> list[Group]:
    """People with the same date of birth and postcode whose names are similar, at least one self-declared.

    `people` may be every resident (verified and refused ones too: a self-declared
    registration that copies a real resident is what this finds). Names that are similar
    through a chain ("Jon Smith", "John Smith", "John Smyth") make one group. A group needs
    a member who is self-declared and not refused; the others are shown with them.
    """
    buckets: dict[tuple[date, str], list[Registration]] = defaultdict(list)
    for person in people:
        if person.date_of_birth is not None and person.postcode:
            buckets[(person.date_of_birth, normalised_postcode(person.postcode))].append(person)
    groups = []
    for (born, postcode), bucket in buckets.items():
        if len(bucket) < 2:
            continue
        parent = list(range(len(bucket)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i in range(len(bucket)):
            for j in range(i + 1, len(bucket)):
                if similar_names(bucket[i].name, bucket[j].name):
                    parent[root(j)] = root(i)
        components: dict[int, list[Registration]] = defaultdict(list)
        for i, person in enumerate(bucket):
            components[root(i)].append(person)
        for members in components.values():
            if len(members) < 2 or not any(m.counts for m in members):
                continue
            key = f"{postcode}-{born:%Y%m%d}-{min(m.id for m in members)}"
            groups.append(Group(NEAR_DUPLICATE, key, _ordered(members)))
    return sorted(groups, key=lambda g: g.group_key)


# ---------------------------------------------------------------- reviews


def members_text(ids: Iterable[int]) -> str:
    """Resident ids as a review keeps them: "3,17,42"."""
    return ",".join(str(i) for i in sorted(set(ids)))


def parse_members(text: str | None) -> set[int]:
    return {int(part) for part in (text or "").split(",") if part.strip().isdigit()}


def still_checked(group: Group, checked_members: set[int] | None) -> bool:
    """Whether a group staff marked checked stays hidden: nobody new has joined it since."""
    return checked_members is not None and set(group.member_ids) <= checked_members
