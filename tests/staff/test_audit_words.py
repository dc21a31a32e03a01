"""The audit log's sentences (pb.domain.audit_words): one for every action pb records, with names, money and dates."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pb.domain import audit_words
from pb.domain.audit_words import action_label, describe, described_actions, wanted_ids

PB = Path(__file__).resolve().parents[2] / "pb"
ROUND = "Hackney 50+ Fund 2026"
NAMES = {1: "Asha Patel", 2: "Sam Lee", 10: "Rita Brown", 11: "Bob Green", 12: "Mary Khan"}
PROPOSALS = {5: "Lunch club", 6: "Walking group"}
LISTS = {3: "CVS members 2026", 4: "Age UK list"}
ASHA, SAM, RITA = 1, 2, 10


# ---------------------------------------------------------------- the actions pb records, read from its code


def _is_audit_record(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == "record" and ast.unparse(func.value) == "audit"


def _action_argument(call: ast.Call) -> ast.expr | None:
    if len(call.args) > 1:
        return call.args[1]
    return next((kw.value for kw in call.keywords if kw.arg == "action"), None)


def _passed_to(tree: ast.Module, function: ast.FunctionDef, parameter: str) -> list[ast.expr]:
    """What every call of `function` in the same module passes as `parameter` (the action handed down)."""
    names = [a.arg for a in function.args.posonlyargs + function.args.args]
    position = names.index(parameter) if parameter in names else None
    passed = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function.name:
            if position is not None and position < len(node.args):
                passed.append(node.args[position])
            passed.extend(kw.value for kw in node.keywords if kw.arg == parameter)
    return passed


def _strings(expr: ast.expr | None, tree: ast.Module, function: ast.FunctionDef | None, where: str) -> set[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _strings(expr.body, tree, function, where) | _strings(expr.orelse, tree, function, where)
    if isinstance(expr, ast.Name) and function is not None:
        passed = _passed_to(tree, function, expr.id)
        if passed:
            return set().union(*(_strings(p, tree, None, where) for p in passed))
    raise AssertionError(f"{where}: cannot tell which action this audit.record call records; "
                         "pass the action as a string (or teach this test to follow it)")


def recorded_calls() -> list[tuple[str, set[str], bool, str]]:
    """(action, the detail keys the call passes by name, whether it passes more with **, where) per audit.record call."""
    found = []
    for path in sorted(PB.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _is_audit_record(node.func)):
                continue
            where = f"{path.relative_to(PB.parent)}:{node.lineno}"
            function = parents.get(node)
            while function is not None and not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                function = parents.get(function)
            keys = {kw.arg for kw in node.keywords if kw.arg not in (None, "round", "action")}
            more = any(kw.arg is None for kw in node.keywords)
            for action in sorted(_strings(_action_argument(node), tree, function, where)):
                found.append((action, keys, more, where))
    return found


RECORDED = recorded_calls()
RECORDED_ACTIONS = sorted({action for action, _, _, _ in RECORDED})


def test_the_scan_finds_the_actions_pb_records():
    # Direct, ternary and handed-down actions are all found (a guard on the scan itself).
    for action in ("round.edited", "ballot.paper_entered", "letters.printed", "letters.reprinted",
                   "resident.approved", "resident.refused", "proposal.changes_requested", "proposal.refused",
                   "database.backed_up", "resident.sign_in_unpaused"):
        assert action in RECORDED_ACTIONS
    assert len(RECORDED_ACTIONS) >= 45


def test_every_recorded_action_has_words_of_its_own_and_every_sentence_is_used():
    """A new action without a sentence (or a sentence for an action pb no longer records) fails here."""
    assert sorted(described_actions()) == RECORDED_ACTIONS


# ---------------------------------------------------------------- a sentence for each action


# action: (actor id, round title, details as pb records them, the sentence)
EXPECTED = {
    "round.created": (ASHA, ROUND, {"form_token": "tok-1", "values": {"title": ROUND, "budget_pence": "£20,000"}},
                      "Asha Patel created the round “Hackney 50+ Fund 2026” with a budget of £20,000."),
    "round.edited": (ASHA, ROUND, {"changes": {"budget_pence": {"before": "£20,000", "after": "£25,000"}}},
                     "Asha Patel changed the budget of “Hackney 50+ Fund 2026” from £20,000 to £25,000."),
    "round.phase_moved": (SAM, ROUND, {"from": "proposals_closed", "to": "voting_open"},
                          "Sam Lee opened voting in “Hackney 50+ Fund 2026”."),
    "results.published": (ASHA, ROUND, {"count_result_id": 7},
                          "Asha Patel published count number 7 as the results of “Hackney 50+ Fund 2026”."),
    "round.counted": (ASHA, ROUND, {"count_id": 7, "rule": "greedy", "params": {"threshold": 0, "budget_pence": 2000000},
                                    "funded": [5, 6], "total_cost_pence": 1850050, "ballot_count": 120,
                                    "ballots_sha256": "ab12"},
                      "Asha Patel counted the 120 ballots in “Hackney 50+ Fund 2026” using “Most votes first (greedy)”: "
                      "2 projects funded, costing £18,500.50 (“Lunch club” and “Walking group”)."),
    "ballot.paper_entered": (SAM, ROUND, {"resident_id": RITA, "entered_by_id": SAM},
                             "Sam Lee keyed a paper ballot for Rita Brown in “Hackney 50+ Fund 2026”."),
    "ballot.paper_first_keying": (SAM, ROUND, {"resident_id": RITA},
                                  "Sam Lee keyed a paper ballot for Rita Brown in “Hackney 50+ Fund 2026” the first time; "
                                  "another member of staff must key it again."),
    "ballot.paper_confirmed": (ASHA, ROUND, {"resident_id": RITA, "first_keyed_by_id": SAM},
                               "Asha Patel keyed the paper ballot for Rita Brown in “Hackney 50+ Fund 2026” a second "
                               "time, matching Sam Lee's keying, so it was stored."),
    "ballot.paper_mismatch": (ASHA, ROUND, {"resident_id": RITA, "first_keyed_by_id": SAM},
                              "Asha Patel keyed the paper ballot for Rita Brown in “Hackney 50+ Fund 2026” a second "
                              "time, but it did not match Sam Lee's keying; nothing was stored."),
    "ballot.paper_discarded": (ASHA, ROUND, {"resident_id": RITA, "first_keyed_by_id": SAM},
                               "Asha Patel discarded the first keying of Rita Brown's paper ballot in "
                               "“Hackney 50+ Fund 2026” (keyed by Sam Lee)."),
    "ballot.paper_unfinished_discarded": (ASHA, ROUND, {"count": 3},
                                          "Asha Patel discarded 3 paper ballots in “Hackney 50+ Fund 2026” that were "
                                          "keyed only once."),
    "voting_code.issued": (SAM, ROUND, {"resident_id": RITA, "code_id": 4, "replaced": 1},
                           "Sam Lee issued a voting code to Rita Brown for “Hackney 50+ Fund 2026”; the earlier code "
                           "no longer works."),
    "proposal.submitted_by_staff": (SAM, ROUND, {"proposal_id": 5, "title": "Lunch club", "proposer_id": RITA,
                                                 "cost_pence": 250000},
                                    "Sam Lee sent in the idea “Lunch club” (£2,500) in “Hackney 50+ Fund 2026” for "
                                    "Rita Brown."),
    "proposal.edited_by_staff": (SAM, ROUND, {"proposal_id": 5, "title": "Lunch club", "fields": ["organisation", "summary"]},
                                 "Sam Lee corrected the group or organisation and summary of the idea “Lunch club” in "
                                 "“Hackney 50+ Fund 2026”."),
    "proposal.summarised_in_english": (SAM, ROUND, {"proposal_id": 5, "title": "Lunch club",
                                                    "summary": "A Friday lunch for 40 neighbours."},
                                       "Sam Lee wrote an English summary of the idea “Lunch club” in "
                                       "“Hackney 50+ Fund 2026”."),
    "proposal.shortlisted": (ASHA, ROUND, {"proposal_id": 6, "title": "Walking group", "before": "refused",
                                           "cost_pence": 90000, "was_merged_into": 5},
                             "Asha Patel shortlisted the idea “Walking group” (£900) in “Hackney 50+ Fund 2026”, "
                             "undoing its merge into “Lunch club”."),
    "proposal.changes_requested": (ASHA, ROUND, {"proposal_id": 5, "title": "Lunch club", "before": "submitted",
                                                 "note": "Say which hall."},
                                   "Asha Patel sent the idea “Lunch club” in “Hackney 50+ Fund 2026” back to its "
                                   "proposer for changes: “Say which hall.”"),
    "proposal.refused": (ASHA, ROUND, {"proposal_id": 5, "title": "Lunch club", "before": "submitted",
                                       "reason": "It is outside Hackney"},
                         "Asha Patel did not shortlist the idea “Lunch club” in “Hackney 50+ Fund 2026”: "
                         "“It is outside Hackney”."),
    "proposal.cost_adjusted": (ASHA, ROUND, {"proposal_id": 5, "title": "Lunch club", "old_cost_pence": 250000,
                                             "new_cost_pence": 312550, "reason": "Hall hire went up"},
                               "Asha Patel changed the cost of the idea “Lunch club” in “Hackney 50+ Fund 2026” from "
                               "£2,500 to £3,125.50: “Hall hire went up”."),
    "proposal.merged": (ASHA, ROUND, {"proposal_id": 6, "title": "Walking group", "before": "submitted", "into_id": 5,
                                      "into_title": "Lunch club"},
                        "Asha Patel merged the idea “Walking group” into “Lunch club” in “Hackney 50+ Fund 2026”."),
    "resident.registered_in_person": (SAM, None, {"resident_id": RITA, "status": "eligible", "approved_by_staff": True},
                                      "Sam Lee registered Rita Brown in person, approving them at once; they can take "
                                      "part."),
    "resident.updated": (SAM, None, {"resident_id": RITA, "changed": ["postcode", "phone"]},
                         "Sam Lee corrected Rita Brown's postcode and phone number."),
    "resident.approved": (ASHA, None, {"resident_id": RITA, "before": "pending", "after": "eligible"},
                          "Asha Patel approved Rita Brown's registration: they can take part."),
    "resident.refused": (ASHA, None, {"resident_id": RITA, "before": "pending", "after": "refused"},
                         "Asha Patel refused Rita Brown's registration: they cannot take part."),
    "resident.reassessed": (ASHA, None, {"eligible": 3, "pending": 1, "refused": 0},
                            "Asha Patel checked 4 residents who registered while no round was open: 3 residents can "
                            "take part, 1 resident waits for a staff check and 0 residents cannot take part."),
    "resident.deleted": (ASHA, None, {"resident_id": 99, "requested_by_resident": True, "voter_roll_rows_kept": 1,
                                      "proposals_kept": 2},
                         "Asha Patel deleted a resident's personal data at their request; 1 voter roll row and 2 ideas "
                         "were kept without their name."),
    "resident.deletion_requested": (RITA, None, {"resident_id": RITA},
                                    "Rita Brown asked for their personal data to be deleted."),
    "resident.sign_in_unpaused": (SAM, None, {"resident_id": RITA}, "Sam Lee let Rita Brown try signing in again at once."),
    "future_rounds.asked": (None, None, {"contact_id": 4},
                            "Someone who could not take part when they tried to register asked to hear about future "
                            "rounds."),
    "content.translated": (SAM, ROUND, {"kind": "proposal", "object_id": 12, "language": "tr", "status": "approved",
                                        "fields_changed": 2},
                           "Sam Lee approved a project's text in the language tr (project 12)."),
    "future_rounds.deleted": (SAM, None, {"contact_id": 4},
                              "Sam Lee deleted the name and contact details of someone who asked to hear about future "
                              "rounds."),
    "resident.verified": (SAM, None, {"resident_id": RITA, "way": "staff", "note": "Checked by a phone call: bank letter",
                                      "list_id": None},
                          "Sam Lee verified Rita Brown: “Checked by a phone call: bank letter”."),
    "resident.verification_removed": (ASHA, None, {"resident_id": RITA, "was": "list",
                                                   "reason": "Its resident list was deleted"},
                                      "Asha Patel removed Rita Brown's verification (matched a resident list): "
                                      "“Its resident list was deleted”."),
    "resident.verification_requested": (SAM, None, {"resident_id": RITA},
                                        "Sam Lee asked for Rita Brown to be verified before they vote."),
    "resident.verification_list_changed": (ASHA, None, {"resident_id": RITA, "list_id": 4, "was_list_id": 3},
                                           "Rita Brown is now verified by the resident list “Age UK list” instead of "
                                           "the resident list “CVS members 2026”."),
    "letter.requested": (RITA, None, {"resident_id": RITA, "letter_id": 8, "replaced": 6},
                         "Rita Brown asked for a verification letter; it replaces an earlier letter, whose code no "
                         "longer works."),
    "letters.printed": (SAM, None, {"count": 4, "letter_ids": [8, 9, 10, 11]}, "Sam Lee printed 4 verification letters."),
    "letters.reprinted": (SAM, None, {"count": 1, "letter_ids": [8]},
                          "Sam Lee printed 1 verification letter again, with new codes."),
    "letters.sent": (SAM, None, {"count": 3, "letter_ids": [8, 9, 10], "not_needed": 1},
                     "Sam Lee marked 3 verification letters as posted; 1 letter was no longer needed."),
    "resident_list.uploaded": (ASHA, None, {"list_id": 3, "name": "CVS members 2026", "source": "Membership, March",
                                            "rows": 250, "matched": 12},
                               "Asha Patel uploaded the resident list “CVS members 2026” (Membership, March): "
                               "250 entries, 12 residents matched."),
    "resident_list.replaced": (ASHA, None, {"list_id": 3, "name": "CVS members 2026", "rows": 260, "previous_rows": 250,
                                            "matched": 14, "unverified": 1, "moved": 0},
                               "Asha Patel replaced the resident list “CVS members 2026” with a new file: 260 entries "
                               "(it had 250), 14 residents matched, 1 resident no longer verified and 0 residents "
                               "verified by another list instead."),
    "resident_list.deleted": (ASHA, None, {"list_id": 3, "name": "CVS members 2026", "rows": 260, "unverified": 2,
                                           "moved": 1},
                              "Asha Patel deleted the resident list “CVS members 2026” (260 entries): 2 residents no "
                              "longer verified and 1 resident verified by another list instead."),
    "suspicion.checked": (ASHA, None, {"kind": "shared-postcode", "group_key": "E8 1AB", "members": [10, 11, 12],
                                       "note": "A care home"},
                          "Asha Patel checked a group of registrations that look invented (many self-declared "
                          "registrations at one postcode) and found nothing wrong: Rita Brown, Bob Green and Mary Khan. "
                          "Note: “A care home”."),
    "suspicion.verification_requested": (ASHA, None, {"kind": "burst", "group_key": "2026-03-01T10", "residents": [11, 12]},
                                         "Asha Patel asked for 2 residents in a group of registrations that look "
                                         "invented (many registrations online within an hour) to be verified before "
                                         "they vote: Bob Green and Mary Khan."),
    "suspicion.refused": (ASHA, None, {"kind": "near-duplicate", "group_key": "10-11", "residents": [11]},
                          "Asha Patel refused 1 resident in a group of registrations that look invented (possibly the "
                          "same person registered more than once): Bob Green."),
    "staff.created": (ASHA, None, {"email": "sam.lee@example.org", "role": "admin"},
                      "Asha Patel made an administrator account for sam.lee@example.org."),
    "staff.deactivated": (ASHA, None, {"user_id": SAM, "email": "sam.lee@example.org"},
                          "Asha Patel switched off the staff account of Sam Lee (sam.lee@example.org)."),
    "staff.reactivated": (ASHA, None, {"user_id": SAM, "email": "sam.lee@example.org"},
                          "Asha Patel switched the staff account of Sam Lee (sam.lee@example.org) back on."),
    "settings.changed": (ASHA, None, {"setting": "suspicious_postcode_threshold", "old": "6", "new": "8"},
                         "Asha Patel changed the setting for self-declared registrations at one postcode before staff "
                         "are told from “6” to “8”."),
    "database.backed_up": (None, None, {"path": "/backups/pb.sqlite", "bytes": 2_400_000, "ballots": 120, "rounds": 2,
                                        "revision": "a1b2"},
                           "Someone at the command line backed up the database to /backups/pb.sqlite (2.3 MB, 2 rounds, "
                           "120 ballots)."),
    "database.restored": (None, None, {"path": "/backups/pb.sqlite", "bytes": 2_400_000, "ballots": 1, "rounds": 2,
                                       "revision": "a1b2", "replaced_ballots": 3},
                          "Someone at the command line restored the database from /backups/pb.sqlite (2.3 MB, 2 rounds, "
                          "1 ballot), replacing the 3 ballots that were there."),
}


def _describe(action: str, details, actor=ASHA, round_title=ROUND) -> str:
    return describe(action, details, NAMES, round_title, actor_id=actor, proposals=PROPOSALS, lists=LISTS)


def test_every_recorded_action_has_an_expected_sentence_here():
    assert sorted(EXPECTED) == RECORDED_ACTIONS


@pytest.mark.parametrize("action", RECORDED_ACTIONS)
def test_each_action_reads_as_its_own_sentence(action):
    actor, round_title, details, sentence = EXPECTED[action]
    assert _describe(action, details, actor, round_title) == sentence
    assert not sentence.startswith(f"{NAMES.get(actor)}:")  # not the plain sentence for unknown actions


@pytest.mark.parametrize("action, keys, more, where", RECORDED, ids=[f"{a}@{w}" for a, _, _, w in RECORDED])
def test_the_examples_hold_the_details_pb_records(action, keys, more, where):
    """The example details above carry every key the code passes, so the sentences are tested on real shapes."""
    assert keys <= set(EXPECTED[action][2]), f"{where} records {sorted(keys - set(EXPECTED[action][2]))} too"


@pytest.mark.parametrize("action", RECORDED_ACTIONS)
def test_no_developer_keys_ids_or_nulls_reach_the_sentence(action):
    actor, round_title, details, _ = EXPECTED[action]
    sentence = _describe(action, details, actor, round_title)
    for raw in ("_id", "_pence", "_by", "null", "None", "True", "False", "{", "[", "proposals_closed", "voting_open"):
        assert raw not in sentence, (raw, sentence)


# ---------------------------------------------------------------- people, money and dates


def test_a_deleted_account_is_named_so():
    assert _describe("ballot.paper_entered", {"resident_id": 99, "entered_by_id": SAM}, actor=SAM) == (
        "Sam Lee keyed a paper ballot for a deleted account in “Hackney 50+ Fund 2026”.")
    assert _describe("ballot.paper_entered", {"resident_id": None, "entered_by_id": None}, actor=SAM) == (
        "Sam Lee keyed a paper ballot for a deleted account in “Hackney 50+ Fund 2026”.")
    assert _describe("letter.requested", {"resident_id": 99}, actor=None) == "A deleted account asked for a verification letter."
    assert _describe("resident.sign_in_unpaused", {"resident_id": RITA}, actor=98).startswith("A deleted account let Rita Brown")
    assert "a deleted account" in _describe("suspicion.refused", {"kind": "burst", "residents": [11, 99]})


def test_the_command_line_is_named_when_nobody_signed_in_did_it():
    assert _describe("round.counted", {"rule": "equal-shares", "params": {"completion": "add1"}, "funded": [],
                                       "total_cost_pence": 0, "ballot_count": 1}, actor=None) == (
        "Someone at the command line counted the 1 ballot in “Hackney 50+ Fund 2026” using “Method of Equal Shares "
        "(shares raised £1 at a time)”: 0 projects funded, costing £0.")


def test_several_round_changes_read_as_one_sentence_with_money_dates_and_choices_in_words():
    changes = {
        "title": {"before": "Old name", "after": ROUND},
        "budget_pence": {"before": "£20,000", "after": "£25,000.50"},
        "voting_open_on": {"before": None, "after": "2026-05-01"},
        "verified_only": {"before": True, "after": False},
        "counting_rule": {"before": "greedy", "after": "equal-shares"},
        "description": {"before": "Short", "after": "A much longer description of the round. " * 5},
    }
    assert _describe("round.edited", {"changes": changes}) == (
        "Asha Patel changed 6 details of “Hackney 50+ Fund 2026”: the title from “Old name” to “Hackney 50+ Fund 2026”, "
        "the budget from £20,000 to £25,000.50, the planned date voting opens from no date to 1 May 2026, who may vote "
        "online from verified residents only to anyone who can take part, the counting rule from Most votes first "
        "(greedy) to Method of Equal Shares and the description.")


def test_money_in_pence_is_shown_in_pounds():
    sentence = _describe("proposal.cost_adjusted", {"title": "Bench", "old_cost_pence": 100, "new_cost_pence": 125_050,
                                                    "reason": "Quote"})
    assert "from £1 to £1,250.50" in sentence


def test_an_idea_without_a_title_in_the_details_is_named_from_the_lookup_or_said_to_be_gone():
    assert "the idea “Lunch club”" in _describe("proposal.refused", {"proposal_id": 5, "reason": "No"})
    assert "an idea that no longer exists" in _describe("proposal.refused", {"proposal_id": 77, "reason": "No"})


def test_long_lists_of_residents_and_long_notes_are_cut_short_in_the_sentence():
    names = {i: f"Resident {i}" for i in range(100, 110)}
    sentence = describe("suspicion.checked", {"kind": "burst", "members": list(range(100, 110)), "note": "x" * 500},
                        names, None, actor_id=100)
    assert "Resident 105 and 4 more" in sentence and "Resident 106" not in sentence
    assert "x" * 199 + "…" in sentence and "x" * 200 not in sentence


# ---------------------------------------------------------------- the unknown and the odd


def test_an_unknown_action_gets_a_plain_sentence():
    assert _describe("test.event", {"n": 1}, actor=SAM, round_title=None) == "Sam Lee: Test event."
    assert _describe("something_new.happened", {}, actor=SAM) == (
        "Sam Lee: Something new happened, in “Hackney 50+ Fund 2026”.")
    assert action_label("round.edited") == "Round details changed"
    assert action_label("test.event") == "Test event"


def _ends_a_sentence(text) -> bool:
    return isinstance(text, str) and text.rstrip("”").endswith((".", "?", "!"))


ODD_VALUES = (None, "", "text", -1, 0, True, 1.5, [], [None, "x", 3], {}, {"before": None}, object())


@pytest.mark.parametrize("action", RECORDED_ACTIONS + ["test.event"])
def test_odd_details_never_break_a_sentence(action):
    for details in (None, {}, "not a mapping", [1, 2], {"unexpected_key": 1}):
        assert _ends_a_sentence(_describe(action, details))
    keys = EXPECTED.get(action, (None, None, {"n": 1}))[2]
    for value in ODD_VALUES:
        for key in keys:
            sentence = _describe(action, {**keys, key: value})
            assert _ends_a_sentence(sentence), sentence
        assert _ends_a_sentence(_describe(action, {key: value for key in keys}))


def test_a_ranking_is_never_shown_even_if_one_slipped_into_the_details():
    sentence = _describe("ballot.paper_entered", {"resident_id": RITA, "ranking": [5, 6], "project_ids": "5,6"},
                         round_title="Spring round")
    assert sentence == "Asha Patel keyed a paper ballot for Rita Brown in “Spring round”."


# ---------------------------------------------------------------- which names a page needs


def test_wanted_ids_lists_every_person_idea_and_list_the_events_mention():
    wanted = wanted_ids([
        (1, {"resident_id": 10, "first_keyed_by_id": 2, "entered_by_id": None}),
        (None, {"members": [11, 12, "x", True], "list_id": 3, "was_list_id": 4}),
        (2, {"proposal_id": 5, "was_merged_into": 6, "into_id": 7, "funded": [8, 9]}),
        (3, "not a mapping"),
        (4, {"user_id": True, "proposer_id": "10"}),
    ])
    assert wanted.users == {1, 2, 3, 4, 10, 11, 12}
    assert wanted.proposals == {5, 6, 7, 8, 9}
    assert wanted.lists == {3, 4}


def test_the_module_needs_no_framework():
    source = Path(audit_words.__file__).read_text(encoding="utf-8")
    assert "flask" not in source.lower().replace("flask imports", "")
