"""pb as bench/cast_ballots.py serves it: production settings, the database and secret key from the
benchmark (passed as PB_BENCH_DATABASE and PB_BENCH_SECRET so the run never touches a real deployment's)."""
import os
import sys

from pb import create_app

app = create_app({
    "PB_ENV": "production",
    "SECRET_KEY": os.environ["PB_BENCH_SECRET"],
    "SQLALCHEMY_DATABASE_URI": os.environ["PB_BENCH_DATABASE"],
})

# Optional for experiments: a shorter GIL switch interval for threaded workers.
if os.environ.get("PB_BENCH_SWITCH_INTERVAL"):
    sys.setswitchinterval(float(os.environ["PB_BENCH_SWITCH_INTERVAL"]))
