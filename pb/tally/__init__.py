"""pb.tally: the counting engine. Pure Python (with numpy); it never imports the web app.

    from pb.tally import Election, Project, RankPoints, count
    election = Election(projects=[Project("1", 5000), ...], budget=20000, ballots=[["1", "3"], ...], max_length=3)
    outcome = count(election, "equal-shares", satisfaction=RankPoints.descending(3), tie_break="cost-score-id")
    outcome.funded, outcome.steps, outcome.to_dict()   # completion add1u by default

The call names everything the outcome depends on: the rule, the satisfaction (`RankPoints` for ranked
ballots, `ApprovalPoints` for approval) and the tie-break (one of TIE_BREAKS); the outcome's params
record the last two. Rules, ties and completions are described in ../shared/DESIGN.md ("Counting").
"""
from pb.tally.count import COMPLETIONS, RULES, TIE_BREAKS, count
from pb.tally.pabulib import PabulibFile, read_pabulib, write_pabulib
from pb.tally.satisfaction import ApprovalPoints, RankPoints, Satisfaction, satisfaction_from_json
from pb.tally.types import Election, Outcome, Project, TallyError

__all__ = [
    "COMPLETIONS",
    "RULES",
    "TIE_BREAKS",
    "ApprovalPoints",
    "Election",
    "Outcome",
    "PabulibFile",
    "Project",
    "RankPoints",
    "Satisfaction",
    "TallyError",
    "count",
    "read_pabulib",
    "satisfaction_from_json",
    "write_pabulib",
]
