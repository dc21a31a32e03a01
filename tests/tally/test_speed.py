"""A guard against slowing down: Kraków 2024 read and counted with equal shares + add1.

The target is under 2 s (bench/tally.py measures it, with pabutools alongside); this test allows
CPU time for a slower machine and stays clear of other load by measuring this process only.
"""
from __future__ import annotations

import time
from pathlib import Path

from pb.tally import count, read_pabulib


def test_krakow_2024_equal_shares_add1_including_parsing(pabulib: Path) -> None:
    start = time.process_time()
    data = read_pabulib(pabulib / "Poland_Krakow_2024.pb")
    outcome = count(data.election, "equal-shares", satisfaction=data.satisfaction, tie_break="cost-score-id",
                    completion="add1")
    elapsed = time.process_time() - start
    assert outcome.params["increments"] > 100  # more than a hundred reruns of equal shares
    assert elapsed < 4.0, f"{elapsed:.2f} s of CPU"
