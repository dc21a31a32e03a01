"""The stack's ceiling for bench/cast_ballots.py: a bare Flask endpoint, served by gunicorn like pb."""
import os
import sys

from flask import Flask, request

app = Flask(__name__)


@app.post("/")
def bare():
    # Read the form as pb's cast view does, so both parse the same request body.
    request.form.get("rank1")
    return "ok"


@app.get("/")
def up():
    return "ok"

# Optional for experiments: a shorter GIL switch interval for threaded workers.
if os.environ.get("PB_BENCH_SWITCH_INTERVAL"):
    sys.setswitchinterval(float(os.environ["PB_BENCH_SWITCH_INTERVAL"]))
