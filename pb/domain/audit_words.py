"""The audit log in plain English: each event as one sentence, with names, money and dates as people read them.

Plain Python. The page's service (pb.services.audit_log) finds the ids a page of events mentions
(`wanted_ids`), looks up their names with one query for each kind (people, ideas, resident lists)
and passes them to `describe`. The raw details stay on the page for auditors: the sentence only
reads them, it never stands in for them. An action without words of its own, or a row whose
details are not as expected, gets a plain "Sam Lee: Round created" sentence instead of an error.
The audit log never holds a ballot's ranking, and nothing here would show one.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pb.domain.counting_rules import COMPLETION_LABELS, RULE_LABELS, rule_label
from pb.domain.money import format_pence
from pb.domain.round_settings import FIELD_LABELS, PLANNED_DATES
from pb.domain.suspicion import KIND_LABELS, NEAR_DUPLICATE
from pb.domain.verification import LETTER, LIST, RESIDENT_WAY_LABELS, STAFF
from pb.domain.words import plural

DELETED = "a deleted account"
COMMAND_LINE = "someone at the command line"
NAMES_SHOWN = 6  # a longer list of residents ends "and 4 more"
QUOTE_LIMIT = 200  # notes and reasons longer than this are cut short in the sentence (the details keep them)
VALUE_LIMIT = 80  # a round setting longer than this is named in the sentence without its values

# Detail keys holding the id of a user (resident or staff), a list of them, an idea, or a resident list.
USER_KEYS = ("resident_id", "entered_by_id", "first_keyed_by_id", "proposer_id", "user_id")
USER_LIST_KEYS = ("members", "residents")
PROPOSAL_KEYS = ("proposal_id", "was_merged_into", "into_id")
PROPOSAL_LIST_KEYS = ("funded",)
LIST_KEYS = ("list_id", "was_list_id")

_IDEA_FIELDS = {"title": "title", "summary": "summary", "description": "description", "cost_pence": "cost",
                "category": "category", "organisation": "group or organisation", "contact": "contact details"}
_RESIDENT_FIELDS = {"name": "name", "date_of_birth": "date of birth", "postcode": "postcode", "phone": "phone number",
                    "email": "email address", "eligibility": "eligibility (checked again)"}
_SETTINGS = {
    "suspicious_postcode_threshold": "self-declared registrations at one postcode before staff are told",
    "suspicious_burst_threshold": "registrations within one hour before staff are told",
    "check_in_person_places": "places where residents can have their details checked in person",
}
_KINDS = {NEAR_DUPLICATE: "possibly the same person registered more than once"}
_STATUSES = {"eligible": "can take part", "pending": "waits for a staff check", "refused": "cannot take part"}
_BALLOT_ORDERS = {"random": "a random order for each voter", "fixed": "the same order for everyone"}
_PHASE_MOVES = {
    "proposals_open": "opened {round} for project ideas",
    "proposals_closed": "closed {round} to new ideas, so that staff can review them",
    "voting_open": "opened voting in {round}",
    "voting_closed": "closed voting in {round}",
    "results_published": "published the results of {round}",
}
_PHASE_NAMES = {"draft": "draft", "proposals_open": "open for ideas", "proposals_closed": "ideas being reviewed",
                "voting_open": "voting open", "voting_closed": "voting closed",
                "results_published": "results published"}


def _id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ids(value: Any) -> list[int]:
    if not isinstance(value, (list, tuple)):
        return []
    return [i for i in (_id(v) for v in value) if i is not None]


@dataclass
class WantedIds:
    """The ids whose names a page of events needs, by kind."""

    users: set[int] = field(default_factory=set)
    proposals: set[int] = field(default_factory=set)
    lists: set[int] = field(default_factory=set)


def wanted_ids(events: Iterable[tuple[int | None, Any]]) -> WantedIds:
    """The user, idea and resident-list ids that (actor id, details) pairs mention."""
    wanted = WantedIds()
    for actor_id, details in events:
        if _id(actor_id) is not None:
            wanted.users.add(actor_id)
        if not isinstance(details, Mapping):
            continue
        for keys, many, found in ((USER_KEYS, USER_LIST_KEYS, wanted.users),
                                  (PROPOSAL_KEYS, PROPOSAL_LIST_KEYS, wanted.proposals), (LIST_KEYS, (), wanted.lists)):
            found.update(i for i in (_id(details.get(k)) for k in keys) if i is not None)
            for key in many:
                found.update(_ids(details.get(key)))
    return wanted


# ---------------------------------------------------------------- reading one event


def _quoted(text: Any) -> str:
    words = " ".join(str(text).split())
    if len(words) > QUOTE_LIMIT:
        words = words[: QUOTE_LIMIT - 1].rstrip() + "…"
    return f"“{words}”"


def _and(items: list[str]) -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _money(value: Any) -> str:
    if _id(value) is not None:
        return format_pence(value)
    return str(value) if value not in (None, "") else "none"


def _date(value: Any) -> str | None:
    """An ISO date or time as "27 March 2026"; None when `value` is not one."""
    if isinstance(value, (date, datetime)):
        day = value
    elif isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            day = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return f"{day.day} {day:%B %Y}"


def _size(n: Any) -> str:
    if _id(n) is None:
        return "unknown size"
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return plural(n, "byte")


@dataclass(frozen=True)
class _Event:
    details: Mapping[str, Any]
    names: Mapping[int, str]
    round_title: str | None
    actor_id: int | None
    proposals: Mapping[int, str]
    lists: Mapping[int, str]

    @property
    def who(self) -> str:
        """The person who did it: a name, "a deleted account", or "someone at the command line"."""
        if self.actor_id is None:
            return COMMAND_LINE
        return self.names.get(self.actor_id) or DELETED

    def person(self, key: str) -> str:
        user_id = _id(self.details.get(key))
        return (self.names.get(user_id) if user_id is not None else None) or DELETED

    def people(self, key: str) -> str:
        ids = _ids(self.details.get(key))
        shown = [self.names.get(i) or DELETED for i in ids[:NAMES_SHOWN]]
        if len(ids) > NAMES_SHOWN:
            shown.append(f"{len(ids) - NAMES_SHOWN} more")
        return _and(shown)

    @property
    def round(self) -> str:
        return f"“{self.round_title}”" if self.round_title else "a round"

    def title(self, key: str = "proposal_id", title_key: str = "title") -> str | None:
        """An idea's title, quoted: from the details, else looked up by its id; None if it is gone."""
        title = self.details.get(title_key)
        if not title:
            proposal_id = _id(self.details.get(key))
            title = self.proposals.get(proposal_id) if proposal_id is not None else None
        return f"“{title}”" if title else None

    def idea(self, key: str = "proposal_id", title_key: str = "title") -> str:
        title = self.title(key, title_key)
        return f"the idea {title}" if title else "an idea that no longer exists"

    def resident_list(self, key: str = "list_id") -> str:
        name = self.details.get("name") if key == "list_id" else None
        if not name:
            list_id = _id(self.details.get(key))
            name = self.lists.get(list_id) if list_id is not None else None
        return f"the resident list “{name}”" if name else "a resident list that was deleted"

    def count(self, key: str, word: str, many: str | None = None) -> str:
        n = self.details.get(key)
        if isinstance(n, list):
            n = len(n)
        return plural(n if _id(n) is not None else 0, word, many)

    def note(self, key: str, joiner: str = ": ") -> str:
        text = self.details.get(key)
        return f"{joiner}{_quoted(text)}" if isinstance(text, str) and text.strip() else ""


_WORDS: dict[str, tuple[str, Callable[[_Event], str]]] = {}


def _words(action: str, label: str):
    """Register the sentence for `action`; `label` names the action in the page's filter."""
    def register(fn: Callable[[_Event], str]) -> Callable[[_Event], str]:
        _WORDS[action] = (label, fn)
        return fn
    return register


def described_actions() -> frozenset[str]:
    """Every action that has a sentence of its own."""
    return frozenset(_WORDS)


def action_label(action: str) -> str:
    """The action's name in words ("Round details changed"); an unknown one from its code ("Test event")."""
    if action in _WORDS:
        return _WORDS[action][0]
    words = str(action).replace(".", " ").replace("_", " ").replace("-", " ").strip()
    return (words[:1].upper() + words[1:]) if words else "Something"


def describe(action: str, details: Any, names: Mapping[int, str], round_title: str | None = None, *,
             actor_id: int | None = None, proposals: Mapping[int, str] | None = None,
             lists: Mapping[int, str] | None = None) -> str:
    """One sentence for an audit event: "Asha Patel changed the budget of “X” from £20,000 to £25,000.".

    `names` maps user ids (staff and residents) to names, `proposals` idea ids to titles, `lists`
    resident-list ids to names; an id missing from them is a deleted account (or idea, or list).
    """
    event = _Event(details if isinstance(details, Mapping) else {}, names or {}, round_title,
                   _id(actor_id), proposals or {}, lists or {})
    sentence = None
    if action in _WORDS:
        try:
            sentence = _WORDS[action][1](event)
        except Exception:  # an odd old row gets the plain sentence below rather than an error page
            sentence = None
    if not sentence:
        sentence = f"{event.who}: {action_label(action)}" + (f", in {event.round}" if round_title else "")
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence if sentence.rstrip("”").endswith((".", "!", "?")) else sentence + "."


# ---------------------------------------------------------------- rounds, phases and counts


def _setting_value(name: str, value: Any) -> str:
    if value is None or value == "":
        return "no date" if name in PLANNED_DATES or name.endswith("_date") else "none"
    if isinstance(value, bool):
        if name == "verified_only":
            return "verified residents only" if value else "anyone who can take part"
        return "yes" if value else "no"
    if name.endswith("_pence"):
        return _money(value)
    if name == "counting_rule":
        return RULE_LABELS.get(value, str(value))
    if name == "completion":
        return COMPLETION_LABELS.get(value, str(value))
    if name == "ballot_order":
        return _BALLOT_ORDERS.get(value, str(value))
    day = _date(value)
    if day:
        return day
    text = ", ".join(line.strip() for line in str(value).splitlines() if line.strip())
    if name in ("title", "description", "area_name", "categories"):
        return f"“{text}”"
    if name == "points_scheme":
        return text.replace(",", ", ").replace(",  ", ", ")
    return text


# Round settings whose form labels read badly inside a sentence.
_FIELD_PHRASES = {
    "verified_only": "who may vote online",
    "paper_double_entry": "whether paper ballots are keyed twice",
    "ballot_order": "the order of the projects on the ballot",
    "proposals_open_on": "the planned date ideas open",
    "proposals_close_on": "the planned date ideas close",
    "voting_open_on": "the planned date voting opens",
    "voting_close_on": "the planned date voting closes",
    "results_on": "the planned date of the results",
}


def _field_name(name: str) -> str:
    """A round setting as a sentence names it: "the budget", "who may vote online"."""
    if name in _FIELD_PHRASES:
        return _FIELD_PHRASES[name]
    label = FIELD_LABELS.get(name) or str(name).replace("_pence", "").replace("_", " ")
    return "the " + (label if label.startswith("Equal Shares") else label[:1].lower() + label[1:])


def _change(name: str, change: Any) -> tuple[str, str]:
    """("the budget", " from £20,000 to £25,000"), the values left out when they are long."""
    what = _field_name(name)
    if not isinstance(change, Mapping):
        return what, ""
    before, after = _setting_value(name, change.get("before")), _setting_value(name, change.get("after"))
    if len(before) > VALUE_LIMIT or len(after) > VALUE_LIMIT:
        return what, ""
    return what, f" from {before} to {after}"


@_words("round.created", "Round created")
def _round_created(e: _Event) -> str:
    values = e.details.get("values") if isinstance(e.details.get("values"), Mapping) else {}
    budget = values.get("budget_pence")
    return f"{e.who} created the round {e.round}" + (f" with a budget of {_money(budget)}" if budget else "")


@_words("round.edited", "Round details changed")
def _round_edited(e: _Event) -> str:
    changes = e.details.get("changes")
    if not isinstance(changes, Mapping) or not changes:
        return f"{e.who} changed the details of {e.round}"
    parts = [_change(name, change) for name, change in changes.items()]
    if len(parts) == 1:
        what, values = parts[0]
        linked = "in" if what.startswith(("who ", "whether ")) else "of"
        return f"{e.who} changed {what} {linked} {e.round}{values}"
    return f"{e.who} changed {len(parts)} details of {e.round}: " + _and([what + values for what, values in parts])


@_words("round.phase_moved", "Round moved to its next phase")
def _phase_moved(e: _Event) -> str:
    to, before = e.details.get("to"), e.details.get("from")
    if to in _PHASE_MOVES:
        sentence = f"{e.who} " + _PHASE_MOVES[to].format(round=e.round)
    else:
        sentence = (f"{e.who} moved {e.round} from “{_PHASE_NAMES.get(before, before)}” "
                    f"to “{_PHASE_NAMES.get(to, to)}”")
    if "ballot_count" in e.details:
        sentence += f", with {e.count('ballot_count', 'ballot')} cast"
    return sentence


@_words("results.published", "Results published")
def _results_published(e: _Event) -> str:
    count_id = _id(e.details.get("count_result_id"))
    return f"{e.who} published count number {count_id} as the results of {e.round}" if count_id else ""


@_words("round.counted", "Votes counted")
def _round_counted(e: _Event) -> str:
    params = e.details.get("params") if isinstance(e.details.get("params"), Mapping) else {}
    rule = e.details.get("rule")
    how = rule_label(rule, dict(params)) if rule in RULE_LABELS else rule
    using = f" using “{how}”" if how else ""
    funded = _ids(e.details.get("funded"))
    titles = [f"“{e.proposals[i]}”" if i in e.proposals else "an idea that no longer exists"
              for i in funded[:NAMES_SHOWN]]
    if len(funded) > NAMES_SHOWN:
        titles.append(f"{len(funded) - NAMES_SHOWN} more")
    sentence = (f"{e.who} counted the {e.count('ballot_count', 'ballot')} in {e.round}{using}: "
                f"{plural(len(funded), 'project')} funded, costing {_money(e.details.get('total_cost_pence') or 0)}")
    return sentence + (f" ({_and(titles)})" if titles else "")


# ---------------------------------------------------------------- paper ballots and voting codes


@_words("ballot.paper_entered", "Paper ballot keyed")
def _paper_entered(e: _Event) -> str:
    return f"{e.who} keyed a paper ballot for {e.person('resident_id')} in {e.round}"


@_words("ballot.paper_first_keying", "Paper ballot keyed the first time")
def _paper_first(e: _Event) -> str:
    return (f"{e.who} keyed a paper ballot for {e.person('resident_id')} in {e.round} the first time; "
            "another member of staff must key it again")


@_words("ballot.paper_confirmed", "Paper ballot keyed the second time and stored")
def _paper_confirmed(e: _Event) -> str:
    return (f"{e.who} keyed the paper ballot for {e.person('resident_id')} in {e.round} a second time, "
            f"matching {e.person('first_keyed_by_id')}'s keying, so it was stored")


@_words("ballot.paper_mismatch", "Paper ballot keyings did not match")
def _paper_mismatch(e: _Event) -> str:
    first = "the first keying"
    if e.details.get("first_keyed_by_id") is not None:
        first = f"{e.person('first_keyed_by_id')}'s keying"
    return (f"{e.who} keyed the paper ballot for {e.person('resident_id')} in {e.round} a second time, "
            f"but it did not match {first}; nothing was stored")


@_words("ballot.paper_discarded", "First keying of a paper ballot discarded")
def _paper_discarded(e: _Event) -> str:
    return (f"{e.who} discarded the first keying of {e.person('resident_id')}'s paper ballot in {e.round} "
            f"(keyed by {e.person('first_keyed_by_id')})")


@_words("ballot.paper_unfinished_discarded", "Unfinished paper ballots discarded")
def _paper_unfinished(e: _Event) -> str:
    return f"{e.who} discarded {e.count('count', 'paper ballot')} in {e.round} that were keyed only once"


@_words("voting_code.issued", "Voting code issued")
def _code_issued(e: _Event) -> str:
    replaced = e.details.get("replaced")
    return (f"{e.who} issued a voting code to {e.person('resident_id')} for {e.round}"
            + ("; the earlier code no longer works" if replaced else ""))


# ---------------------------------------------------------------- project ideas


@_words("proposal.submitted_by_staff", "Idea sent in by staff")
def _idea_submitted(e: _Event) -> str:
    proposer = "a group or a person without an account"
    if e.details.get("proposer_id") is not None:
        proposer = e.person("proposer_id")
    cost = e.details.get("cost_pence")
    return (f"{e.who} sent in {e.idea()}" + (f" ({_money(cost)})" if cost is not None else "")
            + f" in {e.round} for {proposer}")


@_words("proposal.edited_by_staff", "Idea corrected by staff")
def _idea_edited(e: _Event) -> str:
    fields = [_IDEA_FIELDS.get(f, str(f).replace("_", " ")) for f in e.details.get("fields") or []]
    what = f"the {_and(fields)} of " if fields else ""
    return f"{e.who} corrected {what}{e.idea()} in {e.round}"


@_words("proposal.shortlisted", "Idea shortlisted")
def _idea_shortlisted(e: _Event) -> str:
    cost = e.details.get("cost_pence")
    merged = e.details.get("was_merged_into")
    undone = ""
    if merged is not None:
        undone = ", undoing its merge into " + (e.title("was_merged_into", "") or "an idea that no longer exists")
    return (f"{e.who} shortlisted {e.idea()}" + (f" ({_money(cost)})" if cost is not None else "")
            + f" in {e.round}{undone}")


@_words("proposal.changes_requested", "Idea sent back for changes")
def _idea_changes(e: _Event) -> str:
    return f"{e.who} sent {e.idea()} in {e.round} back to its proposer for changes{e.note('note')}"


@_words("proposal.refused", "Idea not shortlisted")
def _idea_refused(e: _Event) -> str:
    return f"{e.who} did not shortlist {e.idea()} in {e.round}{e.note('reason')}"


@_words("proposal.cost_adjusted", "Idea's cost changed")
def _idea_cost(e: _Event) -> str:
    return (f"{e.who} changed the cost of {e.idea()} in {e.round} from {_money(e.details.get('old_cost_pence'))} "
            f"to {_money(e.details.get('new_cost_pence'))}{e.note('reason')}")


@_words("proposal.merged", "Idea merged into another")
def _idea_merged(e: _Event) -> str:
    into = e.title("into_id", "into_title") or "an idea that no longer exists"
    return f"{e.who} merged {e.idea()} into {into} in {e.round}"


# ---------------------------------------------------------------- residents


@_words("resident.registered_in_person", "Resident registered in person")
def _registered(e: _Event) -> str:
    status = _STATUSES.get(e.details.get("status"))
    return (f"{e.who} registered {e.person('resident_id')} in person"
            + (", approving them at once" if e.details.get("approved_by_staff") else "")
            + (f"; they {status}" if status else ""))


@_words("resident.updated", "Resident's details corrected")
def _resident_updated(e: _Event) -> str:
    fields = [_RESIDENT_FIELDS.get(f, str(f).replace("_", " ")) for f in e.details.get("changed") or []]
    return f"{e.who} corrected {e.person('resident_id')}'s " + (_and(fields) if fields else "details")


@_words("resident.approved", "Resident approved")
def _resident_approved(e: _Event) -> str:
    return f"{e.who} approved {e.person('resident_id')}'s registration: they can take part"


@_words("resident.refused", "Resident refused")
def _resident_refused(e: _Event) -> str:
    return f"{e.who} refused {e.person('resident_id')}'s registration: they cannot take part"


@_words("resident.reassessed", "Waiting residents checked again")
def _reassessed(e: _Event) -> str:
    counts = {k: e.details.get(k) for k in _STATUSES}
    total = sum(n for n in counts.values() if _id(n) is not None)
    return (f"{e.who} checked {plural(total, 'resident')} who registered while no round was open: "
            f"{e.count('eligible', 'resident')} can take part, {e.count('pending', 'resident')} "
            f"{'waits' if e.details.get('pending') == 1 else 'wait'} for a staff check and "
            f"{e.count('refused', 'resident')} cannot take part")


@_words("resident.deleted", "Resident's personal data deleted")
def _resident_deleted(e: _Event) -> str:
    asked = " at their request" if e.details.get("requested_by_resident") else ""
    return (f"{e.who} deleted a resident's personal data{asked}; "
            f"{e.count('voter_roll_rows_kept', 'voter roll row')} and {e.count('proposals_kept', 'idea')} "
            "were kept without their name")


@_words("resident.deletion_requested", "Resident asked for their data to be deleted")
def _deletion_requested(e: _Event) -> str:
    return f"{e.person('resident_id')} asked for their personal data to be deleted"


@_words("resident.sign_in_unpaused", "Resident's sign-in pause lifted")
def _unpaused(e: _Event) -> str:
    return f"{e.who} let {e.person('resident_id')} try signing in again at once"


@_words("future_rounds.asked", "Asked to hear about future rounds")
def _future_asked(e: _Event) -> str:
    return "Someone who could not take part when they tried to register asked to hear about future rounds"


@_words("future_rounds.deleted", "Deleted from the future rounds list")
def _future_deleted(e: _Event) -> str:
    return f"{e.who} deleted the name and contact details of someone who asked to hear about future rounds"


# ---------------------------------------------------------------- verification, letters and resident lists


@_words("resident.verified", "Resident verified")
def _verified(e: _Event) -> str:
    resident, way = e.person("resident_id"), e.details.get("way")
    if way == STAFF:
        return f"{e.who} verified {resident}{e.note('note')}"
    if way == LIST:
        return f"{resident} was verified: they match {e.resident_list()}"
    if way == LETTER:
        return f"{resident} was verified with the code from their verification letter"
    return f"{resident} was verified ({RESIDENT_WAY_LABELS.get(way, way)})"


@_words("resident.verification_removed", "Resident's verification removed")
def _unverified(e: _Event) -> str:
    was = RESIDENT_WAY_LABELS.get(e.details.get("was"), e.details.get("was"))
    how = f" ({str(was)[:1].lower() + str(was)[1:]})" if was else ""
    if e.actor_id is not None:
        return f"{e.who} removed {e.person('resident_id')}'s verification{how}{e.note('reason')}"
    return f"{e.person('resident_id')} is no longer verified{how}{e.note('reason')}"


@_words("resident.verification_requested", "Resident asked to be verified")
def _verification_requested(e: _Event) -> str:
    return f"{e.who} asked for {e.person('resident_id')} to be verified before they vote"


@_words("resident.verification_list_changed", "Resident verified by another list")
def _list_changed(e: _Event) -> str:
    return (f"{e.person('resident_id')} is now verified by {e.resident_list()} "
            f"instead of {e.resident_list('was_list_id')}")


@_words("letter.requested", "Verification letter asked for")
def _letter_requested(e: _Event) -> str:
    replaced = "; it replaces an earlier letter, whose code no longer works" if e.details.get("replaced") else ""
    return f"{e.person('resident_id')} asked for a verification letter{replaced}"


@_words("letters.printed", "Verification letters printed")
def _letters_printed(e: _Event) -> str:
    return f"{e.who} printed {e.count('count', 'verification letter')}"


@_words("letters.reprinted", "Verification letters printed again")
def _letters_reprinted(e: _Event) -> str:
    return f"{e.who} printed {e.count('count', 'verification letter')} again, with new codes"


@_words("letters.sent", "Verification letters marked as posted")
def _letters_sent(e: _Event) -> str:
    not_needed = _id(e.details.get("not_needed"))
    return (f"{e.who} marked {e.count('count', 'verification letter')} as posted"
            + (f"; {e.count('not_needed', 'letter was', 'letters were')} no longer needed" if not_needed else ""))


@_words("resident_list.uploaded", "Resident list uploaded")
def _list_uploaded(e: _Event) -> str:
    source = e.details.get("source")
    return (f"{e.who} uploaded {e.resident_list()}" + (f" ({source})" if source else "")
            + f": {e.count('rows', 'entry', 'entries')}, {e.count('matched', 'resident')} matched")


@_words("resident_list.replaced", "Resident list replaced")
def _list_replaced(e: _Event) -> str:
    return (f"{e.who} replaced {e.resident_list()} with a new file: {e.count('rows', 'entry', 'entries')} "
            f"(it had {e.details.get('previous_rows', 'an unknown number')}), {e.count('matched', 'resident')} "
            f"matched, {e.count('unverified', 'resident')} no longer verified and "
            f"{e.count('moved', 'resident')} verified by another list instead")


@_words("resident_list.deleted", "Resident list deleted")
def _list_deleted(e: _Event) -> str:
    return (f"{e.who} deleted {e.resident_list()} ({e.count('rows', 'entry', 'entries')}): "
            f"{e.count('unverified', 'resident')} no longer verified and "
            f"{e.count('moved', 'resident')} verified by another list instead")


def _group(e: _Event) -> str:
    kind = _KINDS.get(e.details.get("kind")) or KIND_LABELS.get(e.details.get("kind"))
    return "a group of registrations that look invented" + (
        f" ({kind[:1].lower() + kind[1:]})" if kind else "")


@_words("suspicion.checked", "Suspicious registrations checked")
def _suspicion_checked(e: _Event) -> str:
    note = e.note("note", ". Note: ")
    return f"{e.who} checked {_group(e)} and found nothing wrong: {e.people('members')}{note}"


@_words("suspicion.verification_requested", "Suspicious registrations asked to be verified")
def _suspicion_verify(e: _Event) -> str:
    return (f"{e.who} asked for {e.count('residents', 'resident')} in {_group(e)} to be verified before they vote: "
            f"{e.people('residents')}")


@_words("suspicion.refused", "Suspicious registrations refused")
def _suspicion_refused(e: _Event) -> str:
    return f"{e.who} refused {e.count('residents', 'resident')} in {_group(e)}: {e.people('residents')}"


# ---------------------------------------------------------------- staff accounts, settings and the database


@_words("staff.created", "Staff account made")
def _staff_created(e: _Event) -> str:
    kind = "an administrator account" if e.details.get("role") == "admin" else "a staff account"
    return f"{e.who} made {kind} for {e.details.get('email') or 'someone'}"


@_words("staff.deactivated", "Staff account switched off")
def _staff_off(e: _Event) -> str:
    email = e.details.get("email")
    return f"{e.who} switched off the staff account of {e.person('user_id')}" + (f" ({email})" if email else "")


@_words("staff.reactivated", "Staff account switched back on")
def _staff_on(e: _Event) -> str:
    email = e.details.get("email")
    return (f"{e.who} switched the staff account of {e.person('user_id')}" + (f" ({email})" if email else "")
            + " back on")


@_words("settings.changed", "Setting changed")
def _setting_changed(e: _Event) -> str:
    key = e.details.get("setting")
    what = _SETTINGS.get(key) or str(key or "a setting").replace("_", " ")
    old, new = (_setting_value("", e.details.get(k)) for k in ("old", "new"))
    values = f" from {_quoted(old)} to {_quoted(new)}" if max(len(old), len(new)) <= VALUE_LIMIT else ""
    return f"{e.who} changed the setting for {what}{values}"


def _database(e: _Event) -> str:
    return (f"{e.details.get('path') or 'a file'} ({_size(e.details.get('bytes'))}, {e.count('rounds', 'round')}, "
            f"{e.count('ballots', 'ballot')})")


@_words("database.backed_up", "Database backed up")
def _backed_up(e: _Event) -> str:
    return f"{e.who} backed up the database to {_database(e)}"


@_words("database.restored", "Database restored from a backup")
def _restored(e: _Event) -> str:
    replaced = _id(e.details.get("replaced_ballots"))
    return (f"{e.who} restored the database from {_database(e)}"
            + (f", replacing the {e.count('replaced_ballots', 'ballot')} that {'was' if replaced == 1 else 'were'} there"
               if replaced else ""))
