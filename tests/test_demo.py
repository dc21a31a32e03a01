"""The demo's rounds read sensibly: each is dated in the year its title names (issue 17, item 13)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pb.demo import load_demo
from pb.extensions import db
from pb.models import CountResult, Round
from pb.templating import to_london


def test_the_demos_rounds_are_dated_in_the_years_their_titles_name(app, client):
    today = date.today()
    last = today.year - 1
    with app.app_context():
        load_demo(residents=40)
        rounds = {r.title: r for r in db.session.scalars(select(Round))}
        published = rounds[f"Connect Hackney Community Fund {last}"]
        # Last year's round ran, closed and was published last year, in that order.
        assert published.phase == "results_published"
        planned = [published.proposals_open_on, published.proposals_close_on, published.voting_open_on,
                   published.voting_close_on, published.results_on]
        assert planned == sorted(planned) and {d.year for d in planned} == {last}
        count = db.session.scalar(select(CountResult).where(CountResult.round_id == published.id))
        happened = [published.proposals_opened_at, published.proposals_closed_at, published.voting_opened_at,
                    published.voting_closed_at, count.created_at, published.results_published_at]
        assert happened == sorted(happened) and {to_london(t).year for t in happened} == {last}
        assert to_london(published.voting_closed_at).date() == published.voting_close_on
        assert to_london(published.results_published_at).date() == published.results_on
        # This year's round is open for voting now.
        current = rounds[f"Connect Hackney Community Fund {today.year}"]
        assert current.phase == "voting_open" and current.voting_open_on <= today <= current.voting_close_on
        # The small grants are voted on later, in the year they are named for.
        small = next(r for title, r in rounds.items() if title.startswith("Stoke Newington Small Grants "))
        assert small.voting_open_on > today and small.title.endswith(str(small.voting_open_on.year))
        published_id = published.id
        db.session.remove()
    page = client.get(f"/rounds/{published_id}/results").get_data(as_text=True)
    assert f"Published on 24 April {last}." in page
