"""One eligible-residents figure per round: the staff round page and the public results agree, and the
site-wide figure on the dashboard is labelled as the whole site's."""
from __future__ import annotations

import re
from datetime import date

from pb.domain.phases import Phase
from pb.extensions import db
from pb.models import Channel, Round, User
from pb.services import ballots, counting, rounds
from pb.services.turnout import eligible_for_round, residents_marked_eligible
from tests import factories


def _round_page_figure(staff_client, round_id: int) -> int:
    html = staff_client.get(f"/staff/rounds/{round_id}").get_data(as_text=True)
    match = re.search(r"Eligible residents registered \(under this round(?:'|&#39;)s rules\)</dt>\s*<dd>(\d+)</dd>", html)
    assert match, "the round page shows no eligible-residents figure"
    return int(match.group(1))


def _results_figure(client, round_id: int) -> int:
    html = client.get(f"/rounds/{round_id}/results").get_data(as_text=True)
    match = re.search(r"as a share of the ([\d,]+) registered residents who could vote", html)
    assert match, "the results page shows no eligible-residents figure"
    return int(match.group(1).replace(",", ""))


def test_staff_round_page_and_public_results_show_the_same_eligible_figure(app, client, staff_client, staff_user):
    with app.app_context():
        # A round for E8 residents aged 60 and over; the site has residents it does not reach.
        round_ = factories.make_round(phase=Phase.VOTING_OPEN, min_age=60, accepted_postcodes="E8",
                                      review_postcodes="")
        projects = [factories.make_proposal(round_, title=f"Project {n}") for n in range(3)]
        in_round = [factories.make_resident(date_of_birth=date(1950, 1, 1), postcode="E8 1AB") for _ in range(4)]
        for _ in range(3):
            factories.make_resident(date_of_birth=date(1950, 1, 1), postcode="E9 1AB")  # another area
        for _ in range(2):
            factories.make_resident(date_of_birth=date(1970, 1, 1), postcode="E8 1AB")  # too young here
        for voter in in_round[:3]:
            ballots.cast_ballot(round_.id, voter, [projects[0].id], Channel.ONLINE)
        round_id = round_.id
        assert eligible_for_round(round_) == 4
        assert residents_marked_eligible() == 9

    # While voting is open the round page shows the round's own figure, not the site's.
    assert _round_page_figure(staff_client, round_id) == 4
    dashboard = staff_client.get("/staff/").get_data(as_text=True)
    assert "Across the whole site, 9 residents are registered and able to take part" in dashboard

    with app.app_context():
        staff = db.session.get(User, staff_user.id)
        rounds.move_phase(round_id, staff, Phase.VOTING_CLOSED, Phase.VOTING_OPEN)
        counting.count_round(db.session.get(Round, round_id), staff)
        rounds.move_phase(round_id, staff, Phase.RESULTS_PUBLISHED, Phase.VOTING_CLOSED)
        # A resident who registers after the count changes neither page: the count fixed the figure.
        factories.make_resident(date_of_birth=date(1940, 1, 1), postcode="E8 2AB")

    assert _results_figure(client, round_id) == 4
    assert _round_page_figure(staff_client, round_id) == 4
