"""`flask pb verify ROUND_ID`: check a round's published count against the data, independently."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from pb.domain.words import _  # English outside a request, as the CLI is
from pb.extensions import db
from pb.models import Round
from pb.services.verify import verify_round


@click.command("verify")
@click.argument("round_id", type=int)
@with_appcontext
def verify_command(round_id: int) -> None:
    """Re-count a round from its ballots file and check it matches the published result.

    Checks: the ballots file regenerated from the database has the SHA-256 the count recorded;
    the voter roll counts as many voters as there are ballots; every ballot matches its
    commitment; and counting the ballots file again funds the same projects at the same
    cost. Exits 0 when everything matches, 1 on any mismatch, 2 when the round does not exist.
    """
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        click.echo(_("Error: there is no round %(id)s.", id=round_id), err=True)
        sys.exit(2)
    click.echo(_("Verifying round %(id)s: %(title)s (%(phase)s)", id=round_.id, title=round_.title,
                 phase=round_.phase_enum.label))
    checks = verify_round(round_)
    for check in checks:
        # TRANSLATORS: the flask pb verify command's mark for a check that passed or failed (4 characters or fewer).
        mark = _("OK") if check.ok else _("FAIL")
        click.echo(f"{mark:<4}  {check.name}: {check.detail}")
    failed = [c for c in checks if not c.ok]
    if failed:
        click.echo(_("Verification FAILED: %(failed)s of %(total)s checks did not match.",
                     failed=len(failed), total=len(checks)), err=True)
        sys.exit(1)
    click.echo(_("Verified: all %(total)s checks match.", total=len(checks)))
