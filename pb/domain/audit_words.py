"""The audit log in plain words: each event as one sentence, with names, money and dates as people read them.

Plain Python. The page's service (pb.services.audit_log) finds the ids a page of events mentions
(`wanted_ids`), looks up their names with one query for each kind (people, ideas, resident lists)
and passes them to `describe`. The raw details stay on the page for auditors: the sentence only
reads them, it never stands in for them. An action without words of its own, or a row whose
details are not as expected, gets a plain "Sam Lee: Round created" sentence instead of an error.
The audit log never holds a ballot's ranking, and nothing here would show one.

Each sentence is one message for the catalogs, with named placeholders for who did it, the round,
names, counts and money, so that a language can put them in its own order (pb.domain.words).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pb.domain.counting_rules import COMPLETION_LABELS, RULE_LABELS, rule_label
from pb.domain.money import format_pence
from pb.domain.round_settings import FIELD_LABELS, PLANNED_DATES
from pb.domain.suspicion import BURST, NEAR_DUPLICATE, SHARED_ADDRESS, SHARED_POSTCODE
from pb.domain.verification import LETTER, LIST, STAFF, resident_way_label
from pb.domain.words import N_, _, n_

# Marked for the catalogs; every table below is translated where a sentence uses it.
DELETED = N_("a deleted account")
COMMAND_LINE = N_("someone at the command line")
NAMES_SHOWN = 6  # a longer list of residents ends "and 4 more"
QUOTE_LIMIT = 200  # notes and reasons longer than this are cut short in the sentence (the details keep them)
VALUE_LIMIT = 80  # a round setting longer than this is named in the sentence without its values

# Detail keys holding the id of a user (resident or staff), a list of them, an idea, or a resident list.
USER_KEYS = ("resident_id", "entered_by_id", "first_keyed_by_id", "proposer_id", "user_id")
USER_LIST_KEYS = ("members", "residents")
PROPOSAL_KEYS = ("proposal_id", "was_merged_into", "into_id")
PROPOSAL_LIST_KEYS = ("funded",)
LIST_KEYS = ("list_id", "was_list_id")

_IDEA_FIELDS = {"title": N_("title"), "summary": N_("summary"), "description": N_("description"),
                "cost_pence": N_("cost"), "category": N_("category"), "organisation": N_("group or organisation"),
                "contact": N_("contact details")}
_RESIDENT_FIELDS = {"name": N_("name"), "date_of_birth": N_("date of birth"), "postcode": N_("postcode"),
                    "phone": N_("phone number"), "email": N_("email address"),
                    "language": N_("language"), "eligibility": N_("eligibility (checked again)")}
_SETTINGS = {
    "suspicious_postcode_threshold": N_("self-declared registrations at one postcode before staff are told"),
    "suspicious_burst_threshold": N_("registrations within one hour before staff are told"),
    "check_in_person_places": N_("places where residents can have their details checked in person"),
}
# A kind of suspicious group inside a sentence.
_KINDS = {
    SHARED_POSTCODE: N_("many self-declared registrations at one postcode"),
    SHARED_ADDRESS: N_("many verification letters to one address"),
    BURST: N_("many registrations online within an hour"),
    NEAR_DUPLICATE: N_("possibly the same person registered more than once"),
}
# What a resident's registration came to, after "; ".
_STATUSES = {"eligible": N_("they can take part"), "pending": N_("they wait for a staff check"),
             "refused": N_("they cannot take part")}
_BALLOT_ORDERS = {"random": N_("a random order for each voter"), "fixed": N_("the same order for everyone")}
_PHASE_MOVES = {
    "proposals_open": N_("%(who)s opened %(round)s for project ideas"),
    "proposals_closed": N_("%(who)s closed %(round)s to new ideas, so that staff can review them"),
    "voting_open": N_("%(who)s opened voting in %(round)s"),
    "voting_closed": N_("%(who)s closed voting in %(round)s"),
    "results_published": N_("%(who)s published the results of %(round)s"),
}
_PHASE_NAMES = {"draft": N_("draft"), "proposals_open": N_("open for ideas"),
                "proposals_closed": N_("ideas being reviewed"), "voting_open": N_("voting open"),
                "voting_closed": N_("voting closed"), "results_published": N_("results published")}


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


def _quote(text: Any) -> str:
    # TRANSLATORS: a title, name or note quoted inside an audit log sentence; use your language's quotation marks.
    return _("“%(text)s”", text=text)


def _quoted(text: Any) -> str:
    words = " ".join(str(text).split())
    if len(words) > QUOTE_LIMIT:
        words = words[: QUOTE_LIMIT - 1].rstrip() + "…"
    return _quote(words)


def _and(items: list[str]) -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    # TRANSLATORS: the end of a list in a sentence: "Rita Brown, Bob Green and Mary Khan".
    return _("%(items)s and %(last)s", items=", ".join(items[:-1]), last=items[-1])


def _more(n: int) -> str:
    # TRANSLATORS: the last item of a shortened list of names: "Rita Brown, Bob Green and 4 more".
    return n_("%(num)s more", "%(num)s more", n)


def _money(value: Any) -> str:
    if _id(value) is not None:
        return format_pence(value)
    return str(value) if value not in (None, "") else _("none")


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
        return _("unknown size")
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return n_("%(num)s byte", "%(num)s bytes", n)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


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
            return _(COMMAND_LINE)
        return self.names.get(self.actor_id) or _(DELETED)

    def person(self, key: str) -> str:
        user_id = _id(self.details.get(key))
        return (self.names.get(user_id) if user_id is not None else None) or _(DELETED)

    def people(self, key: str) -> str:
        ids = _ids(self.details.get(key))
        shown = [self.names.get(i) or _(DELETED) for i in ids[:NAMES_SHOWN]]
        if len(ids) > NAMES_SHOWN:
            shown.append(_more(len(ids) - NAMES_SHOWN))
        return _and(shown)

    @property
    def round(self) -> str:
        return _quote(self.round_title) if self.round_title else _("a round")

    def title(self, key: str = "proposal_id", title_key: str = "title") -> str | None:
        """An idea's title, quoted: from the details, else looked up by its id; None if it is gone."""
        title = self.details.get(title_key)
        if not title:
            proposal_id = _id(self.details.get(key))
            title = self.proposals.get(proposal_id) if proposal_id is not None else None
        return _quote(title) if title else None

    def idea(self, key: str = "proposal_id", title_key: str = "title") -> str:
        title = self.title(key, title_key)
        return _("the idea %(title)s", title=title) if title else _("an idea that no longer exists")

    def resident_list(self, key: str = "list_id") -> str:
        name = self.details.get("name") if key == "list_id" else None
        if not name:
            list_id = _id(self.details.get(key))
            name = self.lists.get(list_id) if list_id is not None else None
        return _("the resident list %(name)s", name=_quote(name)) if name else _("a resident list that was deleted")

    def number(self, key: str) -> int:
        """A count in the details (the length of a list of ids); 0 when it is not one."""
        n = self.details.get(key)
        if isinstance(n, list):
            n = len(n)
        return n if _id(n) is not None else 0

    def residents(self, key: str) -> str:
        return n_("%(num)s resident", "%(num)s residents", self.number(key))

    def ballots(self, key: str) -> str:
        return n_("%(num)s ballot", "%(num)s ballots", self.number(key))

    def letters(self, key: str) -> str:
        return n_("%(num)s verification letter", "%(num)s verification letters", self.number(key))

    def entries(self, key: str) -> str:
        return n_("%(num)s entry", "%(num)s entries", self.number(key))

    def note(self, key: str) -> str:
        """The note or reason under `key`, quoted; "" when there is none."""
        text = self.details.get(key)
        return _quoted(text) if isinstance(text, str) and text.strip() else ""


_WORDS: dict[str, tuple[str, Callable[[_Event], str]]] = {}


def _words(action: str, label: str):
    """Register the sentence for `action`; `label` (marked with N_) names the action in the page's filter."""
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
        return _(_WORDS[action][0])
    words = str(action).replace(".", " ").replace("_", " ").replace("-", " ").strip()
    return (words[:1].upper() + words[1:]) if words else _("Something")


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
        if round_title:
            # TRANSLATORS: an audit log entry without words of its own: "Sam Lee: Round created, in “Hackney 2026”".
            sentence = _("%(who)s: %(action)s, in %(round)s", who=event.who, action=action_label(action),
                         round=event.round)
        else:
            sentence = _("%(who)s: %(action)s", who=event.who, action=action_label(action))
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence if sentence.rstrip("”").endswith((".", "!", "?")) else sentence + "."


# ---------------------------------------------------------------- rounds, phases and counts


def _setting_value(name: str, value: Any) -> str:
    if value is None or value == "":
        return _("no date") if name in PLANNED_DATES or name.endswith("_date") else _("none")
    if isinstance(value, bool):
        if name == "verified_only":
            return _("verified residents only") if value else _("anyone who can take part")
        return _("yes") if value else _("no")
    if name.endswith("_pence"):
        return _money(value)
    if name == "counting_rule":
        return _(RULE_LABELS[value]) if value in RULE_LABELS else str(value)
    if name == "completion":
        return _(COMPLETION_LABELS[value]) if value in COMPLETION_LABELS else str(value)
    if name == "ballot_order":
        return _(_BALLOT_ORDERS[value]) if value in _BALLOT_ORDERS else str(value)
    day = _date(value)
    if day:
        return day
    text = ", ".join(line.strip() for line in str(value).splitlines() if line.strip())
    if name in ("title", "description", "area_name", "categories"):
        return _quote(text)
    if name == "points_scheme":
        return text.replace(",", ", ").replace(",  ", ", ")
    return text


# Each round setting as a sentence names it ("the budget", "who may vote online").
_FIELD_PHRASES = {
    "title": N_("the title"),
    "description": N_("the description"),
    "area_name": N_("the area"),
    "budget_pence": N_("the budget"),
    "min_age": N_("the minimum age"),
    "age_reference_date": N_("the age reference date"),
    "accepted_postcodes": N_("the accepted postcodes"),
    "review_postcodes": N_("the postcodes checked by staff"),
    "min_ranks": N_("the fewest choices"),
    "max_ranks": N_("the most choices"),
    "points_scheme": N_("the points per rank"),
    "counting_rule": N_("the counting rule"),
    "completion": N_("the Equal Shares completion"),
    "score_threshold": N_("the score threshold"),
    "categories": N_("the categories"),
    "min_project_cost_pence": N_("the smallest project cost"),
    "max_project_cost_pence": N_("the largest project cost"),
    "verified_only": N_("who may vote online"),
    "paper_double_entry": N_("whether paper ballots are keyed twice"),
    "ballot_order": N_("the order of the projects on the ballot"),
    "proposals_open_on": N_("the planned date ideas open"),
    "proposals_close_on": N_("the planned date ideas close"),
    "voting_open_on": N_("the planned date voting opens"),
    "voting_close_on": N_("the planned date voting closes"),
    "results_on": N_("the planned date of the results"),
}
# The settings named "who …" or "whether …": "changed who may vote online in “X”", not "of “X”".
_CHANGED_IN = ("verified_only", "paper_double_entry")


def _field_name(name: str) -> str:
    """A round setting as a sentence names it: "the budget", "who may vote online"."""
    if name in _FIELD_PHRASES:
        return _(_FIELD_PHRASES[name])
    label = FIELD_LABELS.get(name) or str(name).replace("_pence", "").replace("_", " ")
    return _("the %(setting)s", setting=_lower_first(label))


def _change(name: str, change: Any) -> tuple[str, str | None, str | None]:
    """("the budget", "£20,000", "£25,000"); the values are None when they are long or not recorded."""
    what = _field_name(name)
    if not isinstance(change, Mapping):
        return what, None, None
    before, after = _setting_value(name, change.get("before")), _setting_value(name, change.get("after"))
    if len(before) > VALUE_LIMIT or len(after) > VALUE_LIMIT:
        return what, None, None
    return what, before, after


def _one_change(what: str, before: str | None, after: str | None) -> str:
    # TRANSLATORS: one of several changes in an audit log sentence: "the budget from £20,000 to £25,000".
    return _("%(setting)s from %(before)s to %(after)s", setting=what, before=before, after=after) if before is not None else what


@_words("round.created", N_("Round created"))
def _round_created(e: _Event) -> str:
    values = e.details.get("values") if isinstance(e.details.get("values"), Mapping) else {}
    budget = values.get("budget_pence")
    if budget:
        return _("%(who)s created the round %(round)s with a budget of %(budget)s", who=e.who, round=e.round,
                 budget=_money(budget))
    return _("%(who)s created the round %(round)s", who=e.who, round=e.round)


@_words("round.edited", N_("Round details changed"))
def _round_edited(e: _Event) -> str:
    changes = e.details.get("changes")
    if not isinstance(changes, Mapping) or not changes:
        return _("%(who)s changed the details of %(round)s", who=e.who, round=e.round)
    parts = [(name, *_change(name, change)) for name, change in changes.items()]
    if len(parts) == 1:
        name, what, before, after = parts[0]
        values = dict(who=e.who, setting=what, round=e.round, before=before, after=after)
        if name in _CHANGED_IN:
            if before is not None:
                return _("%(who)s changed %(setting)s in %(round)s from %(before)s to %(after)s", **values)
            return _("%(who)s changed %(setting)s in %(round)s", **values)
        if before is not None:
            return _("%(who)s changed %(setting)s of %(round)s from %(before)s to %(after)s", **values)
        return _("%(who)s changed %(setting)s of %(round)s", **values)
    return n_("%(who)s changed %(num)s detail of %(round)s: %(changes)s",
              "%(who)s changed %(num)s details of %(round)s: %(changes)s", len(parts), who=e.who, round=e.round,
              changes=_and([_one_change(what, before, after) for _name, what, before, after in parts]))


@_words("round.phase_moved", N_("Round moved to its next phase"))
def _phase_moved(e: _Event) -> str:
    to, before = e.details.get("to"), e.details.get("from")
    counted = "ballot_count" in e.details
    if to == "voting_closed" and counted:
        return _("%(who)s closed voting in %(round)s, with %(ballots)s cast", who=e.who, round=e.round,
                 ballots=e.ballots("ballot_count"))
    if to in _PHASE_MOVES:
        sentence = _(_PHASE_MOVES[to], who=e.who, round=e.round)
    else:
        sentence = _("%(who)s moved %(round)s from “%(before)s” to “%(after)s”", who=e.who, round=e.round,
                     before=_(_PHASE_NAMES[before]) if before in _PHASE_NAMES else before,
                     after=_(_PHASE_NAMES[to]) if to in _PHASE_NAMES else to)
    if counted:
        # TRANSLATORS: the end of an audit log sentence about a phase move: "…, with 120 ballots cast".
        return _("%(event)s, with %(ballots)s cast", event=sentence, ballots=e.ballots("ballot_count"))
    return sentence


@_words("results.published", N_("Results published"))
def _results_published(e: _Event) -> str:
    count_id = _id(e.details.get("count_result_id"))
    if not count_id:
        return ""
    return _("%(who)s published count number %(count)s as the results of %(round)s", who=e.who, count=count_id,
             round=e.round)


@_words("round.counted", N_("Votes counted"))
def _round_counted(e: _Event) -> str:
    params = e.details.get("params") if isinstance(e.details.get("params"), Mapping) else {}
    rule = e.details.get("rule")
    how = rule_label(rule, dict(params)) if rule in RULE_LABELS else rule
    funded = _ids(e.details.get("funded"))
    titles = [_quote(e.proposals[i]) if i in e.proposals else _("an idea that no longer exists")
              for i in funded[:NAMES_SHOWN]]
    if len(funded) > NAMES_SHOWN:
        titles.append(_more(len(funded) - NAMES_SHOWN))
    values = dict(who=e.who, ballots=e.ballots("ballot_count"), round=e.round, rule=_quote(how) if how else "",
                  projects=n_("%(num)s project", "%(num)s projects", len(funded)),
                  cost=_money(e.details.get("total_cost_pence") or 0), titles=_and(titles))
    if how and titles:
        return _("%(who)s counted the %(ballots)s in %(round)s using %(rule)s: %(projects)s funded, costing %(cost)s "
                 "(%(titles)s)", **values)
    if how:
        return _("%(who)s counted the %(ballots)s in %(round)s using %(rule)s: %(projects)s funded, costing %(cost)s",
                 **values)
    if titles:
        return _("%(who)s counted the %(ballots)s in %(round)s: %(projects)s funded, costing %(cost)s (%(titles)s)",
                 **values)
    return _("%(who)s counted the %(ballots)s in %(round)s: %(projects)s funded, costing %(cost)s", **values)


# ---------------------------------------------------------------- paper ballots and voting codes


@_words("ballot.paper_entered", N_("Paper ballot keyed"))
def _paper_entered(e: _Event) -> str:
    return _("%(who)s keyed a paper ballot for %(resident)s in %(round)s", who=e.who,
             resident=e.person("resident_id"), round=e.round)


@_words("ballot.paper_first_keying", N_("Paper ballot keyed the first time"))
def _paper_first(e: _Event) -> str:
    return _("%(who)s keyed a paper ballot for %(resident)s in %(round)s the first time; "
             "another member of staff must key it again", who=e.who, resident=e.person("resident_id"), round=e.round)


@_words("ballot.paper_confirmed", N_("Paper ballot keyed the second time and stored"))
def _paper_confirmed(e: _Event) -> str:
    return _("%(who)s keyed the paper ballot for %(resident)s in %(round)s a second time, "
             "matching %(first)s's keying, so it was stored", who=e.who, resident=e.person("resident_id"),
             round=e.round, first=e.person("first_keyed_by_id"))


@_words("ballot.paper_mismatch", N_("Paper ballot keyings did not match"))
def _paper_mismatch(e: _Event) -> str:
    values = dict(who=e.who, resident=e.person("resident_id"), round=e.round, first=e.person("first_keyed_by_id"))
    if e.details.get("first_keyed_by_id") is not None:
        return _("%(who)s keyed the paper ballot for %(resident)s in %(round)s a second time, "
                 "but it did not match %(first)s's keying; nothing was stored", **values)
    return _("%(who)s keyed the paper ballot for %(resident)s in %(round)s a second time, "
             "but it did not match the first keying; nothing was stored", **values)


@_words("ballot.paper_discarded", N_("First keying of a paper ballot discarded"))
def _paper_discarded(e: _Event) -> str:
    return _("%(who)s discarded the first keying of %(resident)s's paper ballot in %(round)s (keyed by %(first)s)",
             who=e.who, resident=e.person("resident_id"), round=e.round, first=e.person("first_keyed_by_id"))


@_words("ballot.paper_unfinished_discarded", N_("Unfinished paper ballots discarded"))
def _paper_unfinished(e: _Event) -> str:
    return n_("%(who)s discarded %(num)s paper ballot in %(round)s that was keyed only once",
              "%(who)s discarded %(num)s paper ballots in %(round)s that were keyed only once",
              e.number("count"), who=e.who, round=e.round)


@_words("voting_code.issued", N_("Voting code issued"))
def _code_issued(e: _Event) -> str:
    values = dict(who=e.who, resident=e.person("resident_id"), round=e.round)
    if e.details.get("replaced"):
        return _("%(who)s issued a voting code to %(resident)s for %(round)s; the earlier code no longer works",
                 **values)
    return _("%(who)s issued a voting code to %(resident)s for %(round)s", **values)


# ---------------------------------------------------------------- project ideas


@_words("proposal.submitted_by_staff", N_("Idea sent in by staff"))
def _idea_submitted(e: _Event) -> str:
    proposer = _("a group or a person without an account")
    if e.details.get("proposer_id") is not None:
        proposer = e.person("proposer_id")
    cost = e.details.get("cost_pence")
    values = dict(who=e.who, idea=e.idea(), round=e.round, proposer=proposer, cost=_money(cost))
    if cost is not None:
        return _("%(who)s sent in %(idea)s (%(cost)s) in %(round)s for %(proposer)s", **values)
    return _("%(who)s sent in %(idea)s in %(round)s for %(proposer)s", **values)


@_words("proposal.edited_by_staff", N_("Idea corrected by staff"))
def _idea_edited(e: _Event) -> str:
    fields = [_(_IDEA_FIELDS[f]) if f in _IDEA_FIELDS else str(f).replace("_", " ")
              for f in e.details.get("fields") or []]
    if fields:
        return _("%(who)s corrected the %(fields)s of %(idea)s in %(round)s", who=e.who, fields=_and(fields),
                 idea=e.idea(), round=e.round)
    return _("%(who)s corrected %(idea)s in %(round)s", who=e.who, idea=e.idea(), round=e.round)


@_words("proposal.shortlisted", N_("Idea shortlisted"))
def _idea_shortlisted(e: _Event) -> str:
    cost = e.details.get("cost_pence")
    merged = e.details.get("was_merged_into") is not None
    values = dict(who=e.who, idea=e.idea(), round=e.round, cost=_money(cost),
                  into=e.title("was_merged_into", "") or _("an idea that no longer exists"))
    if cost is not None and merged:
        return _("%(who)s shortlisted %(idea)s (%(cost)s) in %(round)s, undoing its merge into %(into)s", **values)
    if cost is not None:
        return _("%(who)s shortlisted %(idea)s (%(cost)s) in %(round)s", **values)
    if merged:
        return _("%(who)s shortlisted %(idea)s in %(round)s, undoing its merge into %(into)s", **values)
    return _("%(who)s shortlisted %(idea)s in %(round)s", **values)


@_words("proposal.changes_requested", N_("Idea sent back for changes"))
def _idea_changes(e: _Event) -> str:
    values = dict(who=e.who, idea=e.idea(), round=e.round, note=e.note("note"))
    if values["note"]:
        return _("%(who)s sent %(idea)s in %(round)s back to its proposer for changes: %(note)s", **values)
    return _("%(who)s sent %(idea)s in %(round)s back to its proposer for changes", **values)


@_words("proposal.refused", N_("Idea not shortlisted"))
def _idea_refused(e: _Event) -> str:
    values = dict(who=e.who, idea=e.idea(), round=e.round, reason=e.note("reason"))
    if values["reason"]:
        return _("%(who)s did not shortlist %(idea)s in %(round)s: %(reason)s", **values)
    return _("%(who)s did not shortlist %(idea)s in %(round)s", **values)


@_words("proposal.summarised_in_english", N_("Idea summarised in English"))
def _idea_summarised(e: _Event) -> str:
    if e.details.get("summary"):
        return _("%(who)s wrote an English summary of %(idea)s in %(round)s", who=e.who, idea=e.idea(), round=e.round)
    return _("%(who)s removed the English summary of %(idea)s in %(round)s", who=e.who, idea=e.idea(), round=e.round)


@_words("proposal.cost_adjusted", N_("Idea's cost changed"))
def _idea_cost(e: _Event) -> str:
    values = dict(who=e.who, idea=e.idea(), round=e.round, before=_money(e.details.get("old_cost_pence")),
                  after=_money(e.details.get("new_cost_pence")), reason=e.note("reason"))
    if values["reason"]:
        return _("%(who)s changed the cost of %(idea)s in %(round)s from %(before)s to %(after)s: %(reason)s",
                 **values)
    return _("%(who)s changed the cost of %(idea)s in %(round)s from %(before)s to %(after)s", **values)


@_words("proposal.merged", N_("Idea merged into another"))
def _idea_merged(e: _Event) -> str:
    into = e.title("into_id", "into_title") or _("an idea that no longer exists")
    return _("%(who)s merged %(idea)s into %(into)s in %(round)s", who=e.who, idea=e.idea(), into=into, round=e.round)


# ---------------------------------------------------------------- residents


@_words("resident.registered_in_person", N_("Resident registered in person"))
def _registered(e: _Event) -> str:
    status = e.details.get("status")
    values = dict(who=e.who, resident=e.person("resident_id"),
                  status=_(_STATUSES[status]) if status in _STATUSES else "")
    approved = e.details.get("approved_by_staff")
    if approved and values["status"]:
        return _("%(who)s registered %(resident)s in person, approving them at once; %(status)s", **values)
    if approved:
        return _("%(who)s registered %(resident)s in person, approving them at once", **values)
    if values["status"]:
        return _("%(who)s registered %(resident)s in person; %(status)s", **values)
    return _("%(who)s registered %(resident)s in person", **values)


@_words("resident.updated", N_("Resident's details corrected"))
def _resident_updated(e: _Event) -> str:
    fields = [_(_RESIDENT_FIELDS[f]) if f in _RESIDENT_FIELDS else str(f).replace("_", " ")
              for f in e.details.get("changed") or []]
    if fields:
        return _("%(who)s corrected %(resident)s's %(fields)s", who=e.who, resident=e.person("resident_id"),
                 fields=_and(fields))
    return _("%(who)s corrected %(resident)s's details", who=e.who, resident=e.person("resident_id"))


@_words("resident.approved", N_("Resident approved"))
def _resident_approved(e: _Event) -> str:
    return _("%(who)s approved %(resident)s's registration: they can take part", who=e.who,
             resident=e.person("resident_id"))


@_words("resident.refused", N_("Resident refused"))
def _resident_refused(e: _Event) -> str:
    return _("%(who)s refused %(resident)s's registration: they cannot take part", who=e.who,
             resident=e.person("resident_id"))


@_words("resident.reassessed", N_("Waiting residents checked again"))
def _reassessed(e: _Event) -> str:
    total = sum(n for n in (e.details.get(k) for k in _STATUSES) if _id(n) is not None)
    # TRANSLATORS: %(pending)s is "1 resident waits for a staff check" or "3 residents wait for a staff check".
    return _("%(who)s checked %(residents)s who registered while no round was open: %(eligible)s can take part, "
             "%(pending)s and %(refused)s cannot take part", who=e.who,
             residents=n_("%(num)s resident", "%(num)s residents", total), eligible=e.residents("eligible"),
             pending=n_("%(num)s resident waits for a staff check", "%(num)s residents wait for a staff check",
                        e.number("pending")),
             refused=e.residents("refused"))


@_words("resident.deleted", N_("Resident's personal data deleted"))
def _resident_deleted(e: _Event) -> str:
    values = dict(who=e.who, rows=n_("%(num)s voter roll row", "%(num)s voter roll rows", e.number("voter_roll_rows_kept")),
                  ideas=n_("%(num)s idea", "%(num)s ideas", e.number("proposals_kept")))
    if e.details.get("requested_by_resident"):
        return _("%(who)s deleted a resident's personal data at their request; %(rows)s and %(ideas)s "
                 "were kept without their name", **values)
    return _("%(who)s deleted a resident's personal data; %(rows)s and %(ideas)s were kept without their name", **values)


@_words("resident.deletion_requested", N_("Resident asked for their data to be deleted"))
def _deletion_requested(e: _Event) -> str:
    return _("%(resident)s asked for their personal data to be deleted", resident=e.person("resident_id"))


@_words("resident.sign_in_unpaused", N_("Resident's sign-in pause lifted"))
def _unpaused(e: _Event) -> str:
    return _("%(who)s let %(resident)s try signing in again at once", who=e.who, resident=e.person("resident_id"))


@_words("future_rounds.asked", N_("Asked to hear about future rounds"))
def _future_asked(e: _Event) -> str:
    return _("Someone who could not take part when they tried to register asked to hear about future rounds")


@_words("future_rounds.deleted", N_("Deleted from the future rounds list"))
def _future_deleted(e: _Event) -> str:
    return _("%(who)s deleted the name and contact details of someone who asked to hear about future rounds",
             who=e.who)


@_words("content.translated", N_("Translation saved"))
def _content_translated(e: _Event) -> str:
    language = str(e.details.get("language", "?"))
    approved = e.details.get("status") == "approved"
    if e.details.get("kind") == "round":
        if approved:
            return _("%(who)s approved the round's text in the language %(language)s", who=e.who, language=language)
        return _("%(who)s saved a draft of the round's text in the language %(language)s", who=e.who,
                 language=language)
    if approved:
        return _("%(who)s approved a project's text in the language %(language)s (project %(project)s)",
                 who=e.who, language=language, project=e.details.get("object_id"))
    return _("%(who)s saved a draft of a project's text in the language %(language)s (project %(project)s)",
             who=e.who, language=language, project=e.details.get("object_id"))


# ---------------------------------------------------------------- verification, letters and resident lists


@_words("resident.verified", N_("Resident verified"))
def _verified(e: _Event) -> str:
    resident, way = e.person("resident_id"), e.details.get("way")
    if way == STAFF:
        note = e.note("note")
        if note:
            return _("%(who)s verified %(resident)s: %(note)s", who=e.who, resident=resident, note=note)
        return _("%(who)s verified %(resident)s", who=e.who, resident=resident)
    if way == LIST:
        return _("%(resident)s was verified: they match %(list)s", resident=resident, list=e.resident_list())
    if way == LETTER:
        return _("%(resident)s was verified with the code from their verification letter", resident=resident)
    return _("%(resident)s was verified (%(way)s)", resident=resident, way=resident_way_label(way))


@_words("resident.verification_removed", N_("Resident's verification removed"))
def _unverified(e: _Event) -> str:
    was = e.details.get("was")
    values = dict(who=e.who, resident=e.person("resident_id"), reason=e.note("reason"),
                  way=_lower_first(resident_way_label(was)) if was else "")
    if e.actor_id is not None:
        if values["way"] and values["reason"]:
            return _("%(who)s removed %(resident)s's verification (%(way)s): %(reason)s", **values)
        if values["way"]:
            return _("%(who)s removed %(resident)s's verification (%(way)s)", **values)
        if values["reason"]:
            return _("%(who)s removed %(resident)s's verification: %(reason)s", **values)
        return _("%(who)s removed %(resident)s's verification", **values)
    if values["way"] and values["reason"]:
        return _("%(resident)s is no longer verified (%(way)s): %(reason)s", **values)
    if values["way"]:
        return _("%(resident)s is no longer verified (%(way)s)", **values)
    if values["reason"]:
        return _("%(resident)s is no longer verified: %(reason)s", **values)
    return _("%(resident)s is no longer verified", **values)


@_words("resident.verification_requested", N_("Resident asked to be verified"))
def _verification_requested(e: _Event) -> str:
    return _("%(who)s asked for %(resident)s to be verified before they vote", who=e.who,
             resident=e.person("resident_id"))


@_words("resident.verification_list_changed", N_("Resident verified by another list"))
def _list_changed(e: _Event) -> str:
    return _("%(resident)s is now verified by %(list)s instead of %(before)s", resident=e.person("resident_id"),
             list=e.resident_list(), before=e.resident_list("was_list_id"))


@_words("letter.requested", N_("Verification letter asked for"))
def _letter_requested(e: _Event) -> str:
    if e.details.get("replaced"):
        return _("%(resident)s asked for a verification letter; it replaces an earlier letter, whose code no longer "
                 "works", resident=e.person("resident_id"))
    return _("%(resident)s asked for a verification letter", resident=e.person("resident_id"))


@_words("letters.printed", N_("Verification letters printed"))
def _letters_printed(e: _Event) -> str:
    return _("%(who)s printed %(letters)s", who=e.who, letters=e.letters("count"))


@_words("letters.reprinted", N_("Verification letters printed again"))
def _letters_reprinted(e: _Event) -> str:
    return _("%(who)s printed %(letters)s again, with new codes", who=e.who, letters=e.letters("count"))


@_words("letters.sent", N_("Verification letters marked as posted"))
def _letters_sent(e: _Event) -> str:
    if _id(e.details.get("not_needed")):
        return _("%(who)s marked %(letters)s as posted; %(not_needed)s", who=e.who, letters=e.letters("count"),
                 not_needed=n_("%(num)s letter was no longer needed", "%(num)s letters were no longer needed",
                               e.number("not_needed")))
    return _("%(who)s marked %(letters)s as posted", who=e.who, letters=e.letters("count"))


@_words("resident_list.uploaded", N_("Resident list uploaded"))
def _list_uploaded(e: _Event) -> str:
    source = e.details.get("source")
    values = dict(who=e.who, list=e.resident_list(), source=source, entries=e.entries("rows"),
                  matched=e.residents("matched"))
    if source:
        return _("%(who)s uploaded %(list)s (%(source)s): %(entries)s, %(matched)s matched", **values)
    return _("%(who)s uploaded %(list)s: %(entries)s, %(matched)s matched", **values)


@_words("resident_list.replaced", N_("Resident list replaced"))
def _list_replaced(e: _Event) -> str:
    return _("%(who)s replaced %(list)s with a new file: %(entries)s (it had %(previous)s), %(matched)s matched, "
             "%(unverified)s no longer verified and %(moved)s verified by another list instead", who=e.who,
             list=e.resident_list(), entries=e.entries("rows"),
             previous=e.details.get("previous_rows", _("an unknown number")), matched=e.residents("matched"),
             unverified=e.residents("unverified"), moved=e.residents("moved"))


@_words("resident_list.deleted", N_("Resident list deleted"))
def _list_deleted(e: _Event) -> str:
    return _("%(who)s deleted %(list)s (%(entries)s): %(unverified)s no longer verified and %(moved)s verified by "
             "another list instead", who=e.who, list=e.resident_list(), entries=e.entries("rows"),
             unverified=e.residents("unverified"), moved=e.residents("moved"))


def _group(e: _Event) -> str:
    kind = e.details.get("kind")
    if kind in _KINDS:
        return _("a group of registrations that look invented (%(kind)s)", kind=_(_KINDS[kind]))
    return _("a group of registrations that look invented")


@_words("suspicion.checked", N_("Suspicious registrations checked"))
def _suspicion_checked(e: _Event) -> str:
    values = dict(who=e.who, group=_group(e), people=e.people("members"), note=e.note("note"))
    if values["note"]:
        return _("%(who)s checked %(group)s and found nothing wrong: %(people)s. Note: %(note)s", **values)
    return _("%(who)s checked %(group)s and found nothing wrong: %(people)s", **values)


@_words("suspicion.verification_requested", N_("Suspicious registrations asked to be verified"))
def _suspicion_verify(e: _Event) -> str:
    return _("%(who)s asked for %(residents)s in %(group)s to be verified before they vote: %(people)s", who=e.who,
             residents=e.residents("residents"), group=_group(e), people=e.people("residents"))


@_words("suspicion.refused", N_("Suspicious registrations refused"))
def _suspicion_refused(e: _Event) -> str:
    return _("%(who)s refused %(residents)s in %(group)s: %(people)s", who=e.who, residents=e.residents("residents"),
             group=_group(e), people=e.people("residents"))


# ---------------------------------------------------------------- staff accounts, settings and the database


@_words("staff.created", N_("Staff account made"))
def _staff_created(e: _Event) -> str:
    email = e.details.get("email") or _("someone")
    if e.details.get("role") == "admin":
        return _("%(who)s made an administrator account for %(email)s", who=e.who, email=email)
    return _("%(who)s made a staff account for %(email)s", who=e.who, email=email)


@_words("staff.deactivated", N_("Staff account switched off"))
def _staff_off(e: _Event) -> str:
    email = e.details.get("email")
    if email:
        return _("%(who)s switched off the staff account of %(person)s (%(email)s)", who=e.who,
                 person=e.person("user_id"), email=email)
    return _("%(who)s switched off the staff account of %(person)s", who=e.who, person=e.person("user_id"))


@_words("staff.reactivated", N_("Staff account switched back on"))
def _staff_on(e: _Event) -> str:
    email = e.details.get("email")
    if email:
        return _("%(who)s switched the staff account of %(person)s (%(email)s) back on", who=e.who,
                 person=e.person("user_id"), email=email)
    return _("%(who)s switched the staff account of %(person)s back on", who=e.who, person=e.person("user_id"))


@_words("settings.changed", N_("Setting changed"))
def _setting_changed(e: _Event) -> str:
    key = e.details.get("setting")
    what = _(_SETTINGS[key]) if key in _SETTINGS else (str(key).replace("_", " ") if key else _("a setting"))
    old, new = (_setting_value("", e.details.get(k)) for k in ("old", "new"))
    if max(len(old), len(new)) <= VALUE_LIMIT:
        return _("%(who)s changed the setting for %(setting)s from %(before)s to %(after)s", who=e.who, setting=what,
                 before=_quoted(old), after=_quoted(new))
    return _("%(who)s changed the setting for %(setting)s", who=e.who, setting=what)


def _database(e: _Event) -> str:
    # TRANSLATORS: a backup file in an audit log sentence: "/backups/pb.db (2.5 MB, 3 rounds, 120 ballots)".
    return _("%(file)s (%(size)s, %(rounds)s, %(ballots)s)", file=e.details.get("path") or _("a file"),
             size=_size(e.details.get("bytes")), rounds=n_("%(num)s round", "%(num)s rounds", e.number("rounds")),
             ballots=e.ballots("ballots"))


@_words("database.backed_up", N_("Database backed up"))
def _backed_up(e: _Event) -> str:
    return _("%(who)s backed up the database to %(file)s", who=e.who, file=_database(e))


@_words("database.restored", N_("Database restored from a backup"))
def _restored(e: _Event) -> str:
    replaced = _id(e.details.get("replaced_ballots"))
    if replaced:
        return n_("%(who)s restored the database from %(file)s, replacing the %(num)s ballot that was there",
                  "%(who)s restored the database from %(file)s, replacing the %(num)s ballots that were there",
                  replaced, who=e.who, file=_database(e))
    return _("%(who)s restored the database from %(file)s", who=e.who, file=_database(e))
