"""The stack's ceiling for bench/cast_ballots.py: a bare Flask endpoint, served by gunicorn like pb."""
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
