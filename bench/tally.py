"""Benchmark: pb.tally against pabutools on real city elections, and a synthetic million-ballot count.

    .venv/bin/python bench/tally.py                 # everything (pabutools' add1 takes the best part of an hour)
    .venv/bin/python bench/tally.py --quick         # Kraków 2024 and Łódź 2022, no pabutools add1, 200k ballots
    .venv/bin/python bench/tally.py --skip-pabutools-add1

For each file and rule it prints pb's time, pabutools' time (configured with pb's utilities and
tie-break, tests/tally/tally_reference.py), the ratio, and whether the funded lists agree exactly.
Times are CPU seconds of this process (so other work on a shared machine does not skew the ratio),
with wall-clock seconds alongside; pb's are the best of several runs. Parsing is timed on its own.
Then a synthetic ranked election (default 1,000,000 ballots, 200 projects, up to 5 ranks) is counted
with equal shares + add1 in a fresh process, from Python lists and from a pabulib file, with peak memory.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pb.tally import Election, Project, RankPoints, count, read_pabulib, write_pabulib  # noqa: E402

FILES = ["Poland_Krakow_2024.pb", "Poland_Lodz_2022.pb", "Poland_Swiecie_2023.pb"]
QUICK_FILES = FILES[:2]
TIE_BREAK = "cost-score-id"  # the tie-break tally_reference gives pabutools


def pabulib_dir() -> Path:
    configured = os.environ.get("PB_PABULIB_DIR")
    return Path(configured) if configured else ROOT.parent / "shared" / "data" / "pabulib"


def load_reference():
    spec = importlib.util.spec_from_file_location("tally_reference", ROOT / "tests" / "tally" / "tally_reference.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["tally_reference"] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


@dataclass
class Timing:
    cpu: float
    wall: float


def timed(fn, repeat: int = 1, setup=None):
    """Run fn `repeat` times (after an untimed setup each time); its last result and best CPU and wall times."""
    best_cpu = best_wall = float("inf")
    result = None
    for _ in range(repeat):
        if setup is not None:
            setup()
        cpu, wall = time.process_time(), time.perf_counter()
        result = fn()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return result, Timing(best_cpu, best_wall)


def fmt(t: Timing | None) -> str:
    if t is None:
        return "skipped"
    return f"{t.cpu:8.3f} ({t.wall:7.2f})"


def ratio(ours: Timing, theirs: Timing | None) -> str:
    if theirs is None:
        return "-"
    return f"{theirs.cpu / max(ours.cpu, 1e-4):7.0f}x"


def file_rules(data) -> list[tuple[str, str, dict]]:
    """(label, pb rule, options) for one file: its greedy variant, then equal shares three ways."""
    greedy_options = {"threshold": data.threshold} if data.rule == "greedy-threshold" else {}
    label = "greedy-threshold" if greedy_options else "greedy"
    return [
        (label, "greedy", greedy_options),
        ("equal shares", "equal-shares", {"completion": "none"}),
        ("equal shares + add1", "equal-shares", {"completion": "add1"}),
        ("equal shares + add1u", "equal-shares", {"completion": "add1u"}),
    ]


def bench_file(path: Path, reference, *, pabutools_add1: bool, pabutools_add1_mode: str) -> list[str]:
    from pabutools.election import parse_pabulib

    rows = []
    data, pb_parse = timed(lambda: read_pabulib(path))
    (instance, profile), pabu_parse = timed(lambda: parse_pabulib(str(path)))
    ref = reference.from_pabutools_file(instance, profile)
    election = data.election
    rows.append(f"{path.name}: {election.voters} ballots, {len(election.projects)} projects, {election.kind}")
    rows.append(f"  {'parse':<22}{fmt(pb_parse):>20}{fmt(pabu_parse):>22}{ratio(pb_parse, pabu_parse):>9}")
    add1_result: tuple[list[str], Timing] | None = None
    for label, rule, options in file_rules(data):
        # Each timed count starts from a freshly read election, so it includes building pb's arrays.
        fresh = []
        ours, ours_t = timed(
            lambda: count(fresh[-1], rule, satisfaction=data.satisfaction, tie_break=TIE_BREAK, **options).funded,
            repeat=3,
            setup=lambda: fresh.append(copy_election(election)),
        )
        completion = options.get("completion")
        theirs, theirs_t = None, None
        if completion in ("add1", "add1u") and not pabutools_add1:
            pass
        elif completion == "add1u" and add1_result is not None:
            fill, fill_t = timed(lambda: reference.count(ref, "greedy", start=add1_result[0]))
            theirs, theirs_t = fill, Timing(add1_result[1].cpu + fill_t.cpu, add1_result[1].wall + fill_t.wall)
        else:
            theirs, theirs_t = timed(lambda: reference.count(
                ref, "greedy" if rule == "greedy" else "equal-shares",
                threshold=options.get("threshold", 0), completion=completion or "none", add1=pabutools_add1_mode,
            ))
            if completion == "add1":
                add1_result = (theirs, theirs_t)
        agree = "-" if theirs is None else ("yes" if theirs == ours else "NO")
        ours_total = Timing(ours_t.cpu + pb_parse.cpu, ours_t.wall + pb_parse.wall)
        theirs_total = None if theirs_t is None else Timing(theirs_t.cpu + pabu_parse.cpu, theirs_t.wall + pabu_parse.wall)
        rows.append(
            f"  {label:<22}{fmt(ours_t):>20}{fmt(theirs_t):>22}{ratio(ours_t, theirs_t):>9}"
            f"{fmt(ours_total):>20}{ratio(ours_total, theirs_total):>9}   {agree}"
        )
    return rows


def copy_election(election: Election) -> Election:
    return Election(election.projects, election.budget, election.ballots, kind=election.kind,
                    min_length=election.min_length, max_length=election.max_length, allow_over_budget=True)


SYNTHETIC_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
mode, ballots_n, path = sys.argv[2], int(sys.argv[3]), sys.argv[4]
from bench.tally import peak_mb, synthetic_ballots
from pb.tally import Election, RankPoints, count, read_pabulib
if mode == "api":
    projects, budget, ballots = synthetic_ballots(ballots_n)  # making up the ballots is not timed
    cpu, wall = time.process_time(), time.perf_counter()
    election = Election(projects, budget, ballots, max_length=5)
    satisfaction = RankPoints.descending(5)
else:
    cpu, wall = time.process_time(), time.perf_counter()
    data = read_pabulib(path)
    election, satisfaction = data.election, data.satisfaction
built_cpu, built_wall = time.process_time() - cpu, time.perf_counter() - wall
outcome = count(election, "equal-shares", satisfaction=satisfaction, tie_break="cost-score-id", completion="add1")
print(json.dumps({
    "build_cpu": built_cpu, "build_wall": built_wall,
    "total_cpu": time.process_time() - cpu, "total_wall": time.perf_counter() - wall,
    "groups": len(election.groups), "funded": len(outcome.funded), "increments": outcome.params["increments"],
    "cost": outcome.cost, "budget": election.budget,
    "peak_mb": peak_mb(),
}))
"""


def peak_mb() -> float:
    """This process's peak resident memory in MB.

    /proc's VmHWM belongs to the process's own memory map, which a fresh process starts anew; getrusage's
    ru_maxrss on Linux carries the parent's peak across fork and exec, so it would report the bench's own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_election(n_ballots: int) -> Election:
    projects, budget, ballots = synthetic_ballots(n_ballots)
    return Election(projects, budget, ballots, max_length=5)


def synthetic_ballots(n_ballots: int, n_projects: int = 200, ranks: int = 5, seed: int = 2024):
    """A ranked election shaped like a big city's: skewed popularity, Kraków-like costs, budget 25% of asks.

    Returns (projects, budget, ballots); ballots are plain Python lists of project ids, as the app passes them.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = [f"P{i + 1:03d}" for i in range(n_projects)]
    costs = (rng.lognormal(12, 1.0, n_projects).astype(np.int64) // 1000 + 20) * 1000
    log_popularity = np.log(rng.pareto(1.2, n_projects) + 0.2)
    lengths = rng.integers(1, ranks + 1, n_ballots)
    ballots: list[list[str]] = []
    for start in range(0, n_ballots, 50_000):
        n = min(50_000, n_ballots - start)
        # Gumbel top-k: each ballot ranks `ranks` distinct projects drawn by popularity, best first.
        keys = log_popularity[None, :] + rng.gumbel(size=(n, n_projects))
        top = np.argpartition(-keys, ranks, axis=1)[:, :ranks]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(keys, top, 1), axis=1), 1)
        for row, length in zip(top.tolist(), lengths[start:start + n].tolist()):
            ballots.append([ids[j] for j in row[:length]])
    projects = [Project(pid, int(cost)) for pid, cost in zip(ids, costs)]
    return projects, int(costs.sum()) // 4, ballots


def bench_synthetic(n_ballots: int) -> list[str]:
    rows = [f"synthetic: {n_ballots:,} ranked ballots (up to 5 ranks, points 5-1), 200 projects, equal shares + add1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.pb"
        results = {}
        api = subprocess.run([sys.executable, "-c", SYNTHETIC_CHILD, str(ROOT), "api", str(n_ballots), str(path)],
                             capture_output=True, text=True, env=env, check=True)
        results["from Python lists"] = json.loads(api.stdout)
        write_pabulib(synthetic_election(n_ballots), path, satisfaction=RankPoints.descending(5),
                      meta={"description": "synthetic benchmark"})
        size_mb = path.stat().st_size / 1e6
        from_file = subprocess.run([sys.executable, "-c", SYNTHETIC_CHILD, str(ROOT), "file", str(n_ballots), str(path)],
                                   capture_output=True, text=True, env=env, check=True)
        results[f"from a {size_mb:.0f} MB .pb file"] = json.loads(from_file.stdout)
    first = next(iter(results.values()))
    rows.append(f"  {first['groups']:,} distinct ballots; {first['funded']} projects funded after "
                f"{first['increments']} add1 raises; cost {first['cost']:,} of {first['budget']:,}")
    for label, r in results.items():
        rows.append(f"  {label:<24} build {r['build_cpu']:6.2f} s   total {r['total_cpu']:6.2f} s CPU "
                    f"({r['total_wall']:6.2f} s wall)   peak memory {r['peak_mb']:7.0f} MB")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="two files, no pabutools add1, 200,000 synthetic ballots")
    parser.add_argument("--skip-pabutools-add1", action="store_true", help="do not run pabutools' add1 (slowest part)")
    parser.add_argument("--pabutools-add1", choices=("increment", "exhaustion"), default="increment",
                        help="pabutools' method_of_equal_shares(voter_budget_increment=1) (default) or "
                             "exhaustion_by_budget_increase(budget_step=voters)")
    parser.add_argument("--files", nargs="*", help="pabulib file names to run (default: %s)" % ", ".join(FILES))
    parser.add_argument("--ballots", type=int, default=None, help="synthetic ballots (default 1,000,000)")
    parser.add_argument("--no-synthetic", action="store_true")
    args = parser.parse_args()

    directory = pabulib_dir()
    files = args.files or (QUICK_FILES if args.quick else FILES)
    pabutools_add1 = not (args.quick or args.skip_pabutools_add1)
    reference = load_reference()
    print(f"pb.tally vs pabutools — CPU seconds (wall seconds); pb best of 3; python {sys.version.split()[0]}")
    print(f"  {'':<22}{'counting only':^51}{'with parsing':^29}")
    print(f"  {'rule':<22}{'pb':>20}{'pabutools':>22}{'ratio':>9}{'pb':>20}{'ratio':>9}   agree")
    for name in files:
        for row in bench_file(directory / name, reference, pabutools_add1=pabutools_add1,
                              pabutools_add1_mode=args.pabutools_add1):
            print(row, flush=True)
    if not args.no_synthetic:
        n = args.ballots or (200_000 if args.quick else 1_000_000)
        for row in bench_synthetic(n):
            print(row, flush=True)
    print(f"bench peak memory (this process, pabutools included): {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
