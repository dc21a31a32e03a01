"""Ranked voting: the ballot, review, receipt, and paper ballots keyed by staff."""
