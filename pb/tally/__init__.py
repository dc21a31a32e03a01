"""pb.tally: the counting engine. Pure Python (with numpy); it never imports the web app.

    from pb.tally import Project, Election, count
    election = Election(projects=[Project("1", 5000), ...], budget=20000, ballots=[["1", "3"], ...])
    outcome = count(election, "equal-shares")      # completion add1u by default
    outcome.funded, outcome.steps, outcome.to_dict()

Rules, ties and completions are described in ../shared/DESIGN.md ("Counting").
"""
from pb.tally.count import COMPLETIONS, RULES, count
from pb.tally.pabulib import PabulibFile, read_pabulib, write_pabulib
from pb.tally.types import Election, Outcome, Project, TallyError

__all__ = [
    "COMPLETIONS",
    "RULES",
    "Election",
    "Outcome",
    "PabulibFile",
    "Project",
    "TallyError",
    "count",
    "read_pabulib",
    "write_pabulib",
]
