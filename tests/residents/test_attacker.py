"""One person invents 40 neighbours through the real registration form and tries to vote with each.

The round is verified-only, so every ballot is refused and none is stored; the invented residents
show up on the suspicious registrations page as a burst from one network and, where 10 of them
gave one postcode, as a shared-postcode cluster. Registration throttling is raised far above
the default so that it is verification, not throttling, that stops them.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pb.extensions import db, limiter
from pb.models import Ballot, User, VoterRoll
from pb.services import suspicious_registrations
from pb.services.ballot_store import STORES
from pb.services.verification import network_key
from tests import factories
from tests.conftest import empty_all_tables, make_app
from tests.residents.conftest import GOOD_PASSWORD, dob_fields, register_steps, registration, text_of
from tests.voting.conftest import make_voting_setup, ranks

ATTACKER_ADDRESS = "203.0.113.7"
FIRST = ["Agnes", "Bernard", "Cecily", "Desmond", "Edna", "Frank", "Gladys", "Harold"]
LAST = ["Ashworth", "Blackwood", "Crowther", "Dunmore", "Ellery"]
SHARED_POSTCODE = "E8 4QQ"


def invented(i: int) -> dict[str, str]:
    """The i-th invented resident, as typed into the registration form: over 50, somewhere in E8."""
    name = f"{FIRST[i % 8]} {LAST[i // 8]}"
    postcode = SHARED_POSTCODE if i < 10 else f"E8 {i % 9 + 1}{'ABDEFGHJLN'[i % 10]}{'PQRSTUWXYZ'[i // 4]}"
    return registration(
        name=name, postcode=postcode, email=f"{name.lower().replace(' ', '.')}@example.net",
        password=GOOD_PASSWORD, password_confirm=GOOD_PASSWORD,
        **dob_fields(date(1940, 1, 1) + timedelta(days=211 * i)),
    )


@pytest.fixture(params=STORES)
def attacked_app(migrated_database, request):
    app = make_app(
        migrated_database,
        PB_BALLOT_STORE=request.param,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        PB_LIMIT_REGISTER_PER_IP="1000 per minute",
        PB_LIMIT_REGISTER_PER_ACCOUNT="1000 per minute",
        PB_LIMIT_SIGN_IN_PER_IP="1000 per minute",
    )
    yield app
    with app.app_context():
        limiter.reset()
    empty_all_tables(app)


def test_forty_invented_residents_cast_no_ballot_and_show_up_for_staff(attacked_app):
    app = attacked_app
    with app.app_context():
        setup = make_voting_setup(verified_only=True)
        factories.make_staff(email="staff@example.org")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = ATTACKER_ADDRESS

    refusals = []
    for i in range(40):
        form = invented(i)
        response = register_steps(attacker, **form)
        assert response.status_code == 302, (i, text_of(response)[:500])
        page = text_of(attacker.get("/register/done"))
        assert "You are registered" in page  # told at once they can take part: eligibility is only what they say
        ballot = attacker.post(f"/rounds/{setup.round_id}/vote/cast", data=ranks(setup.projects[0], setup.projects[1]))
        refusals.append((ballot.status_code, "Before you can vote we need to check you live in Hackney" in text_of(ballot)))
        attacker.post("/sign-out")

    assert refusals == [(403, True)] * 40
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
        assert db.session.scalar(select(func.count()).select_from(VoterRoll)) == 0
        made = list(db.session.scalars(select(User).where(User.role == "resident").order_by(User.id)))
        assert len(made) == 40
        assert {u.verification for u in made} == {"self-declared"}
        assert {u.eligibility_status for u in made} == {"eligible"}
        assert {u.network_key for u in made} == {network_key(ATTACKER_ADDRESS)}
        ids = {u.id for u in made}
        at_shared = {u.id for u in made if u.postcode == SHARED_POSTCODE}

        found = {g.kind: g for g in suspicious_registrations.open_groups()}
        assert set(found) == {"burst", "shared-postcode"}
        assert set(found["burst"].member_ids) == ids and found["burst"].all_from_one_network
        assert set(found["shared-postcode"].member_ids) == at_shared and len(at_shared) == 10
        db.session.remove()

    staff = app.test_client()
    staff.post("/sign-in", data={"email": "staff@example.org", "password": factories.PASSWORD})
    response = staff.get("/staff/suspicious-registrations/")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), text_of(response)
    assert "40 registrations online " in text and "All of them came from one network." in text
    assert f"10 registrations nobody has checked at {SHARED_POSTCODE}" in text
    for user_id in ids:
        assert f'href="/staff/residents/{user_id}"' in html
