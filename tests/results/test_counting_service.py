"""count_round and friends on the seeded round, with numbers checked by hand (see conftest)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import AuditEvent, Ballot, CountResult, Round, User
from pb.services import counting, rounds, turnout
from pb.domain.errors import PhaseError
from tests import factories
from tests.results.conftest import seed_round
from pb.services import open_data
from pb.services import counts
from pb.services import count_cache
from pb.results import explain
from pb.domain import errors, receipts


def _count(seeded):
    round_ = db.session.get(Round, seeded.round_id)
    staff = db.session.get(User, seeded.staff_id)
    return round_, counting.count_round(round_, staff)


def test_greedy_count_by_hand(app_ctx):
    s = seed_round()
    round_, result = _count(s)
    ids = s.ids
    assert result.rule == "greedy"
    assert result.funded == [ids["C"], ids["A"]]
    assert result.total_cost_pence == 900_000
    assert result.ballot_count == 10
    assert result.scores == {str(ids["A"]): 16, str(ids["B"]): 12, str(ids["C"]): 17, str(ids["D"]): 9,
                             str(ids["E"]): 0}
    assert str(s.refused_id) not in result.scores
    assert result.params["threshold"] == 0
    assert result.params["points"] == [3, 2, 1]
    assert not result.is_published
    # The stored hash is the SHA-256 of the exact ballots file bytes.
    assert result.ballots_sha256 == open_data.sha256_hex(open_data.ballots_csv(round_))

    explanation = explain.explain(round_, result)
    reasons = {s.letter(r.proposal.id): r.reason for r in explanation.funded + explanation.not_funded}
    assert [s.letter(r.proposal.id) for r in explanation.funded] == ["C", "A"]
    assert [s.letter(r.proposal.id) for r in explanation.not_funded] == ["B", "D", "E"]
    assert reasons["C"] == "Funded: it had the highest score, and its cost of £5,000 fitted in the money left."
    assert "2nd highest score" in reasons["A"] and "£4,000" in reasons["A"]
    assert reasons["B"] == "Not enough money left after higher-scoring projects: needed £3,000, £1,000 left."
    assert reasons["D"] == "Not enough money left after higher-scoring projects: needed £2,000, £1,000 left."
    assert reasons["E"] == "No votes: nobody chose this project."
    assert explanation.allocated_pence == 900_000 and explanation.left_over_pence == 100_000
    firsts = {s.letter(r.proposal.id): r.first_preferences for r in explanation.projects_by_score}
    assert firsts == {"A": 4, "C": 3, "B": 2, "D": 1, "E": 0}
    assert explanation.step_lines == [
        "Community lunch club (£5,000, 17 points) funded. £5,000 left.",
        "Tea dance at the town hall (£4,000, 16 points) funded. £1,000 left.",
        "Chair yoga in the park (£3,000, 12 points) not funded: it needed £3,000 but only £1,000 was left.",
        "Gardening group tools (£2,000, 9 points) not funded: it needed £2,000 but only £1,000 was left.",
        "Book swap shelf (£1,000) not funded: nobody chose it.",
    ]


def test_count_is_audited(app_ctx):
    s = seed_round()
    round_, result = _count(s)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.counted")).one()
    assert event.round_id == s.round_id and event.actor_id == s.staff_id
    assert event.details["count_id"] == result.id
    assert event.details["funded"] == [s.ids["C"], s.ids["A"]]
    assert event.details["ballots_sha256"] == result.ballots_sha256


def test_threshold_gives_below_threshold_reason(app_ctx):
    s = seed_round(score_threshold=10)
    round_, result = _count(s)
    assert result.funded == [s.ids["C"], s.ids["A"]]
    explanation = explain.explain(round_, result)
    reasons = {s.letter(r.proposal.id): r.reason for r in explanation.not_funded}
    assert reasons["D"] == "Below the minimum score of 10: it had 9 points."
    assert reasons["B"].startswith("Not enough money left")


def test_recount_gives_the_same_result(app_ctx):
    s = seed_round()
    _, first = _count(s)
    _, second = _count(s)
    assert second.id != first.id
    for attr in ("rule", "params", "funded", "total_cost_pence", "scores", "steps", "ballot_count", "ballots_sha256"):
        assert getattr(first, attr) == getattr(second, attr), attr
    assert counts.latest_count(db.session.get(Round, s.round_id)).id == second.id


def test_equal_shares_count(app_ctx):
    """Equal shares (add1u, £1 steps); each of the 10 voters starts with £1,000.

    Round 1, price per point of support (cost / points when every supporter can pay):
    C £5,000/17, A £4,000/16, B £3,000/12, D £2,000/9; per unit of utility C is cheapest, so C.
    The 4 A,C,B voters have paid 2 × £294.12 and the 2 C,A,D voters 3 × £294.12, so A's six
    supporters hold 4 × £411.76 + 2 × £117.65 = £1,882 < £4,000: A can never be afforded.
    B's supporters hold £4,647 ≥ £3,000 and D's £3,235 ≥ £2,000, so both are funded: C, B, D,
    the whole £10,000. Greedy funds C, A instead, which the comparison reports.
    """
    s = seed_round(counting_rule="equal-shares", completion="add1u")
    round_, result = _count(s)
    assert result.rule == "equal-shares"
    assert result.params["completion"] == "add1u" and result.params["unit"] == 100
    assert result.funded == [s.ids["C"], s.ids["B"], s.ids["D"]]
    assert result.total_cost_pence == 1_000_000
    explanation = explain.explain(round_, result)
    reasons = {s.letter(r.proposal.id): r.reason for r in explanation.funded + explanation.not_funded}
    assert reasons["C"] == "Funded with equal shares: its 7 supporters could pay its £5,000 from their shares."
    assert reasons["B"] == "Funded with equal shares: its 7 supporters could pay its £3,000 from their shares."
    assert reasons["A"] == ("Its supporters could not pay for it with their equal shares, and the money left over "
                            "afterwards was not enough: needed £4,000, £0 left.")
    assert reasons["E"] == "No votes: nobody chose this project."
    assert explanation.step_lines[0].startswith("Each voter's equal share started at £1,000. It was raised by £1 ")
    assert explanation.step_lines[1] == (
        "Equal shares, round 1: Community lunch club (£5,000, 17 points) funded. Its 7 supporters paid £294.12 "
        "for each point they gave it. £5,000 left.")

    comparison = counting.compare_rules(round_)
    assert comparison.current.rule == "equal-shares" and comparison.other.rule == "greedy"
    assert comparison.only_current == [s.ids["B"], s.ids["D"]] and comparison.only_other == [s.ids["A"]]
    assert not comparison.same


def test_equal_shares_without_completion_explains_unaffordable(app_ctx):
    # Without completion, C, D, B are bought; A's five supporters (the C,A voters) spent everything on C.
    s = seed_round(counting_rule="equal-shares", completion="none",
                   plan=[(("C", "A"), 5), (("B",), 1), (("D", "B"), 4)])
    round_, result = _count(s)
    assert result.funded == [s.ids["C"], s.ids["D"], s.ids["B"]]
    explanation = explain.explain(round_, result)
    reasons = {s.letter(r.proposal.id): r.reason for r in explanation.not_funded}
    assert reasons["A"] == ("Its supporters could not pay for it with their equal shares: they had spent them on "
                            "other funded projects (it needed £4,000).")


def test_count_refused_while_voting_open_and_before(app_ctx):
    for phase in (Phase.DRAFT, Phase.PROPOSALS_OPEN, Phase.PROPOSALS_CLOSED, Phase.VOTING_OPEN):
        s = seed_round(phase=phase)
        round_ = db.session.get(Round, s.round_id)
        with pytest.raises(PhaseError, match="after voting has closed"):
            counting.count_round(round_, None)
        assert db.session.scalar(select(func.count()).select_from(CountResult)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "round.counted")) == 0


def test_count_refused_after_publication_and_result_frozen(app_ctx):
    s = seed_round()
    round_, result = _count(s)
    staff = db.session.get(User, s.staff_id)
    rounds.move_phase(s.round_id, staff, Phase.RESULTS_PUBLISHED, Phase.VOTING_CLOSED)
    round_ = db.session.get(Round, s.round_id)
    assert counts.published_count(round_).id == result.id
    assert db.session.get(CountResult, result.id).is_published
    with pytest.raises(PhaseError, match="published"):
        counting.count_round(round_, staff)
    assert db.session.scalar(select(func.count()).select_from(CountResult)) == 1
    # Publishing twice is refused and changes nothing.
    with pytest.raises(PhaseError):
        rounds.move_phase(s.round_id, staff, Phase.RESULTS_PUBLISHED, Phase.VOTING_CLOSED)
    with pytest.raises(PhaseError):
        rounds.move_phase(s.round_id, staff, Phase.RESULTS_PUBLISHED, None)
    assert db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "results.published")) == 1


def test_publishing_without_a_count_is_refused(app_ctx):
    s = seed_round()
    staff = db.session.get(User, s.staff_id)
    with pytest.raises(PhaseError, match="Count the votes"):
        rounds.move_phase(s.round_id, staff, Phase.RESULTS_PUBLISHED, Phase.VOTING_CLOSED)
    round_ = db.session.get(Round, s.round_id)
    db.session.refresh(round_)
    assert round_.phase == Phase.VOTING_CLOSED
    assert counts.published_count(round_) is None


def test_no_ballots_is_a_clear_refusal(app_ctx):
    s = seed_round(plan=[])
    round_ = db.session.get(Round, s.round_id)
    with pytest.raises(errors.CountingError, match="No ballots were cast"):
        counting.count_round(round_, None)
    assert db.session.scalar(select(func.count()).select_from(CountResult)) == 0


def test_compare_rules_names_the_differences(app_ctx):
    s = seed_round()
    round_ = db.session.get(Round, s.round_id)
    comparison = counting.compare_rules(round_)
    assert comparison.current.rule == "greedy" and comparison.other.rule == "equal-shares"
    assert comparison.current.funded == [s.ids["C"], s.ids["A"]]
    assert comparison.other.funded == [s.ids["C"], s.ids["B"], s.ids["D"]]
    assert comparison.only_current == [s.ids["A"]] and comparison.only_other == [s.ids["B"], s.ids["D"]]
    assert not comparison.same
    # Nothing stored.
    assert db.session.scalar(select(func.count()).select_from(CountResult)) == 0


def test_compare_refused_while_voting_open(app_ctx):
    s = seed_round(phase=Phase.VOTING_OPEN)
    with pytest.raises(PhaseError):
        counting.compare_rules(db.session.get(Round, s.round_id))


def test_ballots_csv_is_sorted_by_receipt_with_clear_columns(app_ctx):
    s = seed_round()
    round_ = db.session.get(Round, s.round_id)
    text = open_data.ballots_csv(round_).decode()
    lines = text.splitlines()
    assert lines[0] == "receipt,commitment,nonce,rank_1,rank_2,rank_3"
    receipts = [line.split(",")[0] for line in lines[1:]]
    assert receipts == sorted(s.receipts) and len(receipts) == 10
    rows = open_data.parse_ballots_csv(text.encode())
    by_receipt = {row.receipt: row.ranking for row in rows}
    for receipt, letters in zip(s.receipts, s.rankings):
        assert by_receipt[receipt] == [str(s.ids[x]) for x in letters]
    stored = {b.receipt: b.commitment for b in db.session.scalars(select(Ballot))}
    assert {row.receipt: row.commitment for row in rows} == stored


def test_a_round_that_closed_before_short_receipts_keeps_its_ballots_file(app_ctx):
    """Its fingerprint was taken of the older columns: the file stays byte for byte what it was."""
    s = seed_round()
    round_ = db.session.get(Round, s.round_id)
    round_.ballots_file_version = 1
    db.session.commit()
    # As the migration leaves them: the receipt given was the commitment (pb itself never changes ballots).
    for ballot in db.session.scalars(select(Ballot)).all():
        legacy = receipts.commitment_for(s.round_id, ballot.project_ids, ballot.nonce)
        db.session.execute(sql("UPDATE ballots SET receipt = :c, commitment = :c WHERE key = :k"),
                           {"c": legacy, "k": ballot.key})
    db.session.commit()
    db.session.expire_all()
    text = open_data.ballots_csv(round_).decode()
    lines = text.splitlines()
    assert lines[0] == "receipt,nonce,rank_1,rank_2,rank_3"
    first = lines[1].split(",")
    ballot = db.session.scalars(select(Ballot).where(Ballot.receipt == first[0])).one()
    assert first[:2] == [ballot.commitment, ballot.nonce]
    rows = open_data.parse_ballots_csv(text.encode())
    assert all(row.receipt == row.commitment for row in rows) and len(rows) == 10


def test_turnout_by_channel(app_ctx):
    s = seed_round()
    t = turnout.turnout(db.session.get(Round, s.round_id))
    assert (t.online, t.paper, t.total, t.eligible) == (8, 2, 10, 10)
    assert t.share(t.total) == "100.0%" and t.share(t.paper) == "20.0%"


def test_a_count_keeps_the_residents_who_could_vote_and_turnout_reads_it_from_there(app_ctx):
    """The turnout's denominator is fixed when the votes are counted: later registrations do not move it."""
    s = seed_round()
    round_ = db.session.get(Round, s.round_id)
    result = counting.count_round(round_, None)
    assert result.eligible_residents == 10
    factories.make_resident(email="late@example.org")  # registers after the count
    assert turnout.turnout(round_).eligible == 11      # as it is now
    t = turnout.turnout(round_, result)
    assert (t.total, t.eligible) == (10, 10)
    # A count made before the figure was kept works it out as it is now.
    result.eligible_residents = None
    assert turnout.turnout(round_, result).eligible == 11


def test_values_built_from_a_count_are_kept_within_their_bounds(app_ctx):
    from types import SimpleNamespace

    kept = count_cache.CountCache(max_entries=3, max_bytes=10)
    count = SimpleNamespace(round_id=1, id=7, ballots_sha256="ab" * 32)
    builds: list[str] = []

    def build(name: str, value):
        def run():
            builds.append(name)
            return value
        return run

    assert kept.get("firsts", count, (), build("firsts", {1: 2})) == {1: 2}
    assert kept.get("firsts", count, (), build("firsts", {1: 99})) == {1: 2}  # kept: not built again
    big = open_data.Download(b"x" * 8, "e")
    assert kept.get("file", count, (), build("file", big)) is big
    # Over the byte bound: the least recently used go first.
    kept.get("file2", count, (), build("file2", open_data.Download(b"y" * 8, "f")))
    kept.get("file", count, (), build("file", big))
    assert builds == ["firsts", "file", "file2", "file"]
    # Another count of the same round is another key.
    other = SimpleNamespace(round_id=1, id=8, ballots_sha256="cd" * 32)
    assert kept.get("firsts", other, (), build("firsts", {3: 1})) == {3: 1}
    # A file bigger than the whole allowance is served but not kept, and pushes nothing out.
    huge = open_data.Download(b"z" * 11, "h")
    assert kept.get("huge", count, (), build("huge", huge)) is huge
    assert kept.get("huge", count, (), build("huge", huge)) is huge
    assert kept.get("file", count, (), build("file", big)) is big
    assert builds[-2:] == ["huge", "huge"]
    assert builds.count("file") == 2  # still kept from before the huge one


def test_the_eligible_count_agrees_with_the_check_each_resident_gets(app_ctx):
    """Counting on two columns gives what why_cannot_take_part says resident by resident."""
    import random
    from datetime import date, timedelta

    from pb.services.eligibility import why_cannot_take_part

    rng = random.Random(50)
    round_ = factories.make_round(phase=Phase.VOTING_CLOSED)
    boundary = date(1976, 6, 1)  # 50 on the round's reference date, 1 June 2026
    postcodes = ["E8 1AB", "E5 0LL", "N16 7AA", "E1 6AN", "N1 9GU", "SW1A 1AA", "E20 1EJ"]
    for n in range(120):
        born = boundary + timedelta(days=rng.choice([-400, -1, 0, 1, 2, 365]))
        status = rng.choice(["eligible", "eligible", "eligible", "pending", "refused"])
        user = factories.make_resident(email=f"count{n}@example.net", date_of_birth=born,
                                       postcode=rng.choice(postcodes), status=status)
        if n % 17 == 0:
            user.is_active_account = False
    factories.make_staff()
    db.session.commit()
    everyone = db.session.scalars(select(User)).all()
    expected = sum(1 for u in everyone if why_cannot_take_part(u, round_) is None)
    assert 0 < expected < 120
    assert turnout.eligible_for_round(round_) == expected
