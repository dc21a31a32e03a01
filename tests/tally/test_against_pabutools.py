"""pb.tally agrees with pabutools (configured with pb's utilities and tie-break) funded project by project.

Generated elections cover ordinal and approval ballots, 2-40 projects, 1-500 voters, with costs that
make ties rare and costs and ballots that force them. Real files are checked where pabutools is fast
enough for a test run; bench/tally.py checks the biggest ones.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import tally_reference as reference
from generate import TIE_BREAK, k_to_1, random_election
from pabutools.election import parse_pabulib as pabutools_parse

from pb.tally import count


def ours_all(election, satisfaction, unit: int = 1) -> dict[str, list[str]]:
    """pb's funded lists under the four rules, keyed like tally_reference.count_all."""
    result = {"greedy": count(election, "greedy", satisfaction=satisfaction, tie_break=TIE_BREAK).funded}
    for completion in ("none", "add1", "add1u"):
        result[completion] = count(election, "equal-shares", satisfaction=satisfaction, tie_break=TIE_BREAK,
                                   completion=completion, unit=unit).funded
    return result


def ours(election, satisfaction, rule, completion, unit=1) -> list[str]:
    if rule == "greedy":
        return count(election, "greedy", satisfaction=satisfaction, tie_break=TIE_BREAK).funded
    return count(election, rule, satisfaction=satisfaction, tie_break=TIE_BREAK, completion=completion,
                 unit=unit).funded


def add1_unit(election) -> int:
    """A unit that keeps add1 to a few dozen reruns, so pabutools stays quick."""
    return max(1, int(election.budget) // (election.voters * 15))


@pytest.mark.parametrize("seed", range(80))
def test_generated_elections_match_pabutools(seed: int) -> None:
    election = random_election(seed)
    points = k_to_1(election)
    unit = add1_unit(election)
    assert ours_all(election, points, unit) == reference.count_all(reference.from_election(election, points), unit=unit)


@pytest.mark.parametrize("seed", range(200, 240))
def test_tie_heavy_elections_match_pabutools(seed: int) -> None:
    election = random_election(seed, ties=True, max_projects=20, max_voters=120)
    points = k_to_1(election)
    unit = add1_unit(election)
    assert ours_all(election, points, unit) == reference.count_all(reference.from_election(election, points), unit=unit)


@pytest.mark.parametrize("seed", range(300, 330))
def test_add1_step_of_one_unit_matches_pabutools_own_add1(seed: int) -> None:
    """pabutools' add1: exhaustion_by_budget_increase with a step of one unit per voter."""
    election = random_election(seed, max_projects=10, max_voters=40)
    points = k_to_1(election)
    ref = reference.from_election(election, points)
    unit = max(1, int(election.budget) // (election.voters * 40))
    for completion in ("add1", "add1u"):
        expected = reference.count(ref, "equal-shares", completion=completion, unit=unit, add1="exhaustion")
        assert ours(election, points, "equal-shares", completion, unit) == expected, (seed, completion)


# File -> add1 unit: the file's own unit, except where pabutools would need ~200 slow reruns.
SMALL_FILES = {
    "Netherlands_Assen_2024.pb": 1,
    "Poland_Krakow_2019_Bienczyce.pb": 5,
    "Switzerland_Zurich_S5R.pb": 1,
    "US_Stanford_Dataset_PB_Chicago_35th_Ward_2021_vote_rankings.pb": 1,
    "US_Stanford_Dataset_PB_Chicago_39th_Ward_2021_vote_rankings.pb": 5,
    "US_Stanford_Dataset_PB_Rochester_NY_2019_vote_rankings.pb": 1,
    "Worldwide_Mechanical_Turk_Ranking_value_7.pb": 1,
}
MEDIUM_FILES = [
    "Poland_Krakow_2019_Nowa_Huta.pb",
    "Poland_Krakow_2023_Nowa_Huta.pb",
    "Poland_Krakow_2025_Biezanow-Prokocim.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
]


def file_reference(path: Path) -> reference.Reference:
    """The file as pabutools reads it itself (its own parser, not ours)."""
    return reference.from_pabutools_file(*pabutools_parse(str(path)))


@pytest.mark.parametrize("name", sorted(SMALL_FILES))
def test_small_real_files_match_pabutools_on_every_rule(name: str, pabulib: Path, real_files) -> None:
    unit = SMALL_FILES[name]
    expected = reference.count_all(file_reference(pabulib / name), unit=unit)
    data = real_files[name]
    assert ours_all(data.election, data.satisfaction, unit) == expected


@pytest.mark.parametrize("name", MEDIUM_FILES)
def test_medium_real_files_match_pabutools_on_greedy_and_equal_shares(name: str, pabulib: Path, real_files) -> None:
    data = real_files[name]
    ref = file_reference(pabulib / name)
    assert ours(data.election, data.satisfaction, "greedy", None) == reference.count(ref, "greedy")
    assert ours(data.election, data.satisfaction, "equal-shares", "none") == reference.count(ref, "equal-shares")
