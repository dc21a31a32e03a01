"""`flask pb verify`: re-checking a round's count from its data, independently of what the count stored."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from pb.domain.counting_rules import rule_label
from pb.domain.errors import DomainError
from pb.domain.money import format_pence
from pb.domain.phases import Phase
from pb.domain.receipts import RECEIPT_PATTERN, ballot_commitment, is_legacy_receipt
from pb.domain.verification import BALLOT_WAY_LABELS, SELF_DECLARED
from pb.extensions import db
from pb.models import Round, VoterRoll
from pb.services.counting import run_count
from pb.services.counts import latest_count, published_count
from pb.services.elections import recorded_meaning, round_ballots, round_election
from pb.services.open_data import ballots_csv, parse_ballots_csv, sha256_hex
from pb.services.proposals import shortlisted_proposals
from pb.services.verification import ballots_by_verification
from pb.tally import TallyError
from pb.domain.words import N_, _, n_


@dataclass
class Check:
    name: str  # the check's own name, as scripts and tests look it up; `detail` is the message for staff
    ok: bool
    detail: str


def _receipt_codes(round_: Round, ballots) -> Check:
    """Every receipt code is one pb gives (short, or a commitment for a ballot cast before codes were short)."""
    odd = [b.receipt for b in ballots
           if not RECEIPT_PATTERN.match(b.receipt)
           and not (is_legacy_receipt(b.receipt) and b.receipt == b.commitment)]
    if odd:
        return Check("receipt codes", False,
                     # The English says "ballot(s)" whatever the number; each language has its plural forms.
                     n_("%(num)s ballot(s) have a receipt code pb never gives, e.g. %(codes)s.",
                        "%(num)s ballot(s) have a receipt code pb never gives, e.g. %(codes)s.",
                        len(odd), codes=", ".join(odd[:5])))
    return Check("receipt codes", True, n_("All %(num)s receipt code is well formed.",
                                           "All %(num)s receipt codes are well formed.", len(ballots)))


def verify_round(round_: Round) -> list[Check]:
    """Re-check a round's published (or latest) count from the data, independently of the stored result."""
    checks: list[Check] = []
    result = published_count(round_) or latest_count(round_)
    if result is None:
        return [Check("count exists", False, _("This round has not been counted."))]
    if round_.phase == Phase.RESULTS_PUBLISHED:
        found = _("Count %(id)s (published), rule %(rule)s.", id=result.id, rule=rule_label(result.rule, result.params))
    else:
        found = _("Count %(id)s (preview), rule %(rule)s.", id=result.id, rule=rule_label(result.rule, result.params))
    checks.append(Check("count exists", True, found))

    ballots = round_ballots(round_)
    data = ballots_csv(round_, ballots)
    digest = sha256_hex(data)
    checks.append(Check("ballots file hash", digest == result.ballots_sha256,
                        _("SHA-256 of the ballots file from the database is %(digest)s; the count recorded "
                          "%(recorded)s.", digest=digest, recorded=result.ballots_sha256)))

    if round_.closing_ballots_sha256:
        kept = digest == round_.closing_ballots_sha256 and len(ballots) == round_.closing_ballot_count
        checks.append(Check(
            "closing fingerprint", kept,
            n_("The ballots file has the fingerprint published when voting closed (%(num)s ballot).",
               "The ballots file has the fingerprint published when voting closed (%(num)s ballots).",
               round_.closing_ballot_count or 0) if kept else
            _("The ballots file is not the one fingerprinted when voting closed: then %(then)s "
              "ballots with SHA-256 %(then_digest)s, now %(now)s ballots with SHA-256 %(digest)s. "
              "Ballots were changed, added or removed after voting closed.",
              then=round_.closing_ballot_count, then_digest=round_.closing_ballots_sha256, now=len(ballots),
              digest=digest)))
    else:
        checks.append(Check("closing fingerprint", True,
                            _("No fingerprint was taken when voting closed (the round closed before pb took one).")))

    roll = db.session.scalar(select(func.count()).select_from(VoterRoll).where(VoterRoll.round_id == round_.id)) or 0
    checks.append(Check("voter roll = ballots", roll == len(ballots) == result.ballot_count,
                        _("%(roll)s on the voter roll, %(stored)s ballots stored, %(counted)s counted.",
                          roll=roll, stored=len(ballots), counted=result.ballot_count)))

    by_way = ballots_by_verification(round_.id)
    unchecked_online = by_way.get(SELF_DECLARED, 0)
    # TRANSLATORS: how voters were known, and how many ballots: "checked by staff 3".
    shown = ", ".join(_("%(way)s %(count)s", way=_(BALLOT_WAY_LABELS.get(way, N_("not recorded"))).lower(), count=n)
                      for way, n in by_way.items() if n)
    known = [_("Ballots by how the voter was known: %(ways)s.", ways=shown or _("none"))]
    if round_.verified_only and unchecked_online:
        known.append(n_("%(num)s online ballot(s) from self-declared residents in a round for verified residents only.",
                        "%(num)s online ballot(s) from self-declared residents in a round for verified residents only.",
                        unchecked_online))
    elif not round_.verified_only:
        known.append(_("This round accepted self-declared registrations."))
    checks.append(Check("voter roll by verification", not (round_.verified_only and unchecked_online), " ".join(known)))

    checks.append(_receipt_codes(round_, ballots))
    bad = [b.receipt for b in ballots
           if ballot_commitment(round_.id, b.project_ids, b.nonce, b.receipt) != b.commitment]
    checks.append(Check(
        "commitments", not bad,
        _("Every one of the %(count)s ballots matches its commitment (the SHA-256 of its round, receipt code, "
          "choices and nonce).", count=len(ballots)) if not bad else
        n_("%(num)s ballot(s) do not match their commitment, so their choices or receipt code changed after they "
           "were cast: receipt code(s) %(codes)s.",
           "%(num)s ballot(s) do not match their commitment, so their choices or receipt code changed after they "
           "were cast: receipt code(s) %(codes)s.",
           len(bad), codes=", ".join(bad[:5]) + ("…" if len(bad) > 5 else ""))))

    try:
        rows = parse_ballots_csv(data)
        proposals = shortlisted_proposals(round_)
        election = round_election(round_, proposals, [row.ranking for row in rows])
        options = {k: result.params[k] for k in ("threshold", "no_skip", "completion", "unit") if k in result.params}
        if result.rule != "greedy":
            options.pop("threshold", None)
            options.pop("no_skip", None)
        else:
            options.pop("completion", None)
            options.pop("unit", None)
        outcome = run_count(election, result.rule, options, *recorded_meaning(result, round_))
        recount = [int(p) for p in outcome.funded]
        same_scores = {str(k): int(v) for k, v in outcome.scores.items()} == {
            str(k): int(v) for k, v in (result.scores or {}).items()}
        same = (recount == list(result.funded) and int(outcome.cost) == int(result.total_cost_pence)
                and same_scores)
        checks.append(Check("re-count", same,
                            _("Re-counting the ballots file funds %(recount)s costing %(cost)s; "
                              "the count recorded %(recorded)s costing %(recorded_cost)s.",
                              recount=recount, cost=format_pence(outcome.cost), recorded=list(result.funded),
                              recorded_cost=format_pence(result.total_cost_pence)) if same_scores else
                            _("Re-counting the ballots file funds %(recount)s costing %(cost)s; "
                              "the count recorded %(recorded)s costing %(recorded_cost)s; the projects' scores differ too.",
                              recount=recount, cost=format_pence(outcome.cost), recorded=list(result.funded),
                              recorded_cost=format_pence(result.total_cost_pence))))
    except (DomainError, TallyError) as exc:
        checks.append(Check("re-count", False, _("The ballots file could not be counted: %(problem)s",
                                                 problem=getattr(exc, "message", exc))))
    return checks
