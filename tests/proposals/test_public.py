"""The public list and page of each idea: what is shown when, filters, sorting, privacy, escaping, print."""
from __future__ import annotations

import re

import pytest

from pb.services import proposals as service
from tests import factories

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="card-title"><a href="[^"]+">(.*?)</a></h3>', html)


@pytest.fixture
def filled_round(make_round, proposal_factory):
    round_ = make_round(phase="proposals_open")
    proposal_factory(round_, title="Tai chi", status="submitted", cost_pence=180_000, category="Health and wellbeing")
    proposal_factory(round_, title="art group", status="shortlisted", cost_pence=390_000, category="Arts and culture")
    proposal_factory(round_, title="Bus trips", status="changes_requested", cost_pence=650_000, category="Getting out and about")
    proposal_factory(round_, title="Knitting", status="refused", cost_pence=90_000_0, category="Social activities",
                     refusal_reason="Already funded elsewhere.")
    proposal_factory(round_, title="Withdrawn idea", status="withdrawn", cost_pence=100_000)
    return round_


def test_draft_round_is_not_found(client, make_round, proposal_factory):
    round_ = make_round(phase="draft")
    p = proposal_factory(round_, status="submitted")
    assert client.get(f"/rounds/{round_.id}/proposals").status_code == 404
    assert client.get(f"/rounds/{round_.id}/proposals/{p.id}").status_code == 404
    assert client.get("/rounds/999999/proposals").status_code == 404


def test_while_open_every_idea_received_is_listed_with_status(client, filled_round):
    response = client.get(f"/rounds/{filled_round.id}/proposals")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _titles(html) == ["art group", "Bus trips", "Knitting", "Tai chi"]
    assert "Withdrawn idea" not in html
    assert "4 ideas received" in html
    assert "Received" in html and "Changes requested" in html and "Not shortlisted" in html
    # Reasons are published only when voting opens.
    assert "Already funded elsewhere." not in html
    assert "Send in an idea" in html


def test_from_voting_open_the_shortlist_and_the_reasons_are_shown(client, filled_round, db_read):
    from pb.extensions import db
    from pb.models import Round

    def open_voting():
        db.session.get(Round, filled_round.id).phase = "voting_open"
        db.session.commit()

    db_read(open_voting)
    html = client.get(f"/rounds/{filled_round.id}/proposals").get_data(as_text=True)
    assert "Projects on the ballot" in html
    shortlisted, rest = html.split("Not shortlisted (")
    assert _titles(shortlisted) == ["art group"]
    assert _titles(rest) == ["Bus trips", "Knitting", "Tai chi"]
    assert "Already funded elsewhere." in rest
    assert "Withdrawn idea" not in html


def test_filter_by_category(client, filled_round):
    html = client.get(f"/rounds/{filled_round.id}/proposals?category=Arts+and+culture").get_data(as_text=True)
    assert _titles(html) == ["art group"]
    assert "1 idea received in Arts and culture" in html
    assert '<option selected value="Arts and culture">' in html or 'value="Arts and culture" selected' in html
    # An unknown category is ignored: everything is shown.
    html = client.get(f"/rounds/{filled_round.id}/proposals?category=%3Cb%3Ebad").get_data(as_text=True)
    assert len(_titles(html)) == 4 and "<b>bad" not in html
    empty = client.get(f"/rounds/{filled_round.id}/proposals?category=Learning").get_data(as_text=True)
    assert _titles(empty) == [] and "No ideas in this category yet." in empty


def test_sort_by_title_and_cost(client, filled_round):
    base = f"/rounds/{filled_round.id}/proposals"
    assert _titles(client.get(base + "?sort=cost").get_data(as_text=True)) == ["Tai chi", "art group", "Bus trips", "Knitting"]
    assert _titles(client.get(base + "?sort=cost-desc").get_data(as_text=True)) == ["Knitting", "Bus trips", "art group", "Tai chi"]
    assert _titles(client.get(base + "?sort=title").get_data(as_text=True)) == ["art group", "Bus trips", "Knitting", "Tai chi"]
    # Unknown sort orders fall back to title.
    assert _titles(client.get(base + "?sort=id;drop").get_data(as_text=True)) == ["art group", "Bus trips", "Knitting", "Tai chi"]
    both = client.get(base + "?sort=cost&category=Health+and+wellbeing").get_data(as_text=True)
    assert _titles(both) == ["Tai chi"]


def test_idea_page_is_printable_and_keeps_paragraphs(client, open_round, proposal_factory):
    p = proposal_factory(open_round, status="submitted", title="Memory café",
                         description="First paragraph.\n\nSecond paragraph,\nwith a line break.")
    response = client.get(f"/rounds/{open_round.id}/proposals/{p.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Memory café</h1>" in html and html.count("<h1") == 1
    assert "<p>First paragraph.</p><p>Second paragraph,<br>with a line break.</p>" in html
    assert re.search(r"<button[^>]*data-print[^>]*hidden", html)  # revealed by pb.js
    assert "browser’s Print option" in html
    assert "<title>Memory café – " in html


def test_contact_details_are_never_public(client, auth, open_round, resident_user, staff_user, proposal_factory):
    p = proposal_factory(open_round, status="submitted", proposer_id=resident_user.id, contact="private-number 07700 900123")
    url = f"/rounds/{open_round.id}/proposals/{p.id}"
    assert "07700 900123" not in client.get(url).get_data(as_text=True)
    assert "07700 900123" not in client.get(f"/rounds/{open_round.id}/proposals").get_data(as_text=True)
    auth.login(resident_user.email)
    html = client.get(url).get_data(as_text=True)
    assert "07700 900123" in html and "This is your idea" in html and "Change your idea" in html
    client.post("/sign-out")
    auth.login(staff_user.email)
    assert "07700 900123" in client.get(url).get_data(as_text=True)


def test_refusal_reason_is_public_only_from_voting_open(client, make_round, proposal_factory):
    closed = make_round(phase="proposals_closed")
    p = proposal_factory(closed, status="refused", refusal_reason="Not in Hackney.")
    assert "Not in Hackney." not in client.get(f"/rounds/{closed.id}/proposals/{p.id}").get_data(as_text=True)
    voting = make_round(phase="voting_open")
    q = proposal_factory(voting, status="refused", refusal_reason="Not in Hackney.")
    assert "Not in Hackney." in client.get(f"/rounds/{voting.id}/proposals/{q.id}").get_data(as_text=True)


def test_merged_idea_links_to_the_one_it_joined(client, make_round, proposal_factory, app):
    round_ = make_round(phase="voting_open")
    keep = proposal_factory(round_, status="shortlisted", title="Lunch club")
    gone = proposal_factory(round_, status="refused", title="Lunches", merged_into_id=keep.id,
                            refusal_reason="Merged into “Lunch club”")
    html = client.get(f"/rounds/{round_.id}/proposals/{gone.id}").get_data(as_text=True)
    assert "Merged into “Lunch club”" in html
    assert f'href="/rounds/{round_.id}/proposals/{keep.id}"' in html


def test_shortlisted_proposals_are_ordered_by_title(app_ctx):
    round_ = factories.make_round(phase="voting_open")
    other = factories.make_round(phase="voting_open")
    for title, status in [("Zumba", "shortlisted"), ("art", "shortlisted"), ("Bingo", "refused"), ("Choir", "shortlisted"),
                          ("Dance", "withdrawn"), ("Eels", "submitted")]:
        factories.make_proposal(round_, title=title, status=status)
    factories.make_proposal(other, title="Another round", status="shortlisted")
    assert [p.title for p in service.shortlisted_proposals(round_)] == ["art", "Choir", "Zumba"]
    assert [p.title for p in service.shortlisted_proposals(round_.id)] == ["art", "Choir", "Zumba"]


def test_hostile_text_is_shown_as_text_everywhere(client, auth, app, open_round, resident_user, staff_user, good, db_read):
    hostile = {
        **good,
        "title": "Lunch " + HOSTILE,
        "summary": "Summary " + HOSTILE,
        "description": "Para " + HOSTILE + '\n\n<img src=x onerror="alert(2)">',
        "organisation": "Group " + HOSTILE,
        "contact": "x@example.org",
    }
    auth.login(resident_user.email)
    pages = {}
    pages["review step"] = client.post(f"/rounds/{open_round.id}/proposals/new", data=hostile).get_data(as_text=True)
    assert client.post(f"/rounds/{open_round.id}/proposals/new/check", data={**hostile, "send": "1"}).status_code == 302
    from pb.extensions import db
    from pb.models import Proposal

    p = db_read(lambda: db.session.scalars(db.select(Proposal)).one())
    assert p.title == "Lunch " + HOSTILE  # stored as typed
    pages["my ideas"] = client.get("/proposals/mine").get_data(as_text=True)
    pages["change form"] = client.get(f"/rounds/{open_round.id}/proposals/{p.id}/edit").get_data(as_text=True)
    client.post("/sign-out")
    pages["list"] = client.get(f"/rounds/{open_round.id}/proposals").get_data(as_text=True)
    pages["page"] = client.get(f"/rounds/{open_round.id}/proposals/{p.id}").get_data(as_text=True)
    auth.login(staff_user.email)
    pages["staff queue"] = client.get(f"/staff/rounds/{open_round.id}/proposals").get_data(as_text=True)
    pages["staff review"] = client.get(f"/staff/rounds/{open_round.id}/proposals/{p.id}").get_data(as_text=True)
    for name, html in pages.items():
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
        assert "alert(1)" in html, name  # shown, as text
    for name in ("review step", "list", "page", "staff queue", "staff review", "my ideas"):
        assert ESCAPED in pages[name], name
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in pages["page"]


def test_status_labels_and_counts_in_the_staff_queue_use_the_model_labels(filled_round, staff_client):
    html = staff_client.get(f"/staff/rounds/{filled_round.id}/proposals").get_data(as_text=True)
    assert "Not shortlisted (1)" in html and "Changes requested (1)" in html


def test_pages_have_one_h1_and_unique_titles(client, auth, open_round, resident_user, proposal_factory, good):
    p = proposal_factory(open_round, status="submitted", proposer_id=resident_user.id, title="Idea One")
    auth.login(resident_user.email)
    pages = [
        client.get(f"/rounds/{open_round.id}/proposals"),
        client.get(f"/rounds/{open_round.id}/proposals/{p.id}"),
        client.get(f"/rounds/{open_round.id}/proposals/new"),
        client.post(f"/rounds/{open_round.id}/proposals/new", data=good),
        client.get("/proposals/mine"),
        client.get(f"/rounds/{open_round.id}/proposals/{p.id}/edit"),
        client.get(f"/rounds/{open_round.id}/proposals/{p.id}/withdraw"),
    ]
    titles = set()
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert html.count("<h1") == 1
        titles.add(html.split("<title>")[1].split("</title>")[0])
    assert len(titles) == len(pages)


def test_idea_not_decided_before_voting_reads_not_shortlisted(client, make_round, proposal_factory):
    round_ = make_round(phase="voting_open")
    p = proposal_factory(round_, status="submitted", title="Undecided")
    html = client.get(f"/rounds/{round_.id}/proposals/{p.id}").get_data(as_text=True)
    assert ">Not shortlisted<" in html and ">Received<" not in html
    assert "It was not shortlisted before voting opened." in html


def test_printout_names_where_to_read_it_online(client, open_round, proposal_factory):
    p = proposal_factory(open_round, status="submitted")
    html = client.get(f"/rounds/{open_round.id}/proposals/{p.id}").get_data(as_text=True)
    assert f'class="proposal-print-only">Connect Hackney community budget. Read this idea online at http://localhost/rounds/{open_round.id}/proposals/{p.id}' in html
    assert '<div class="no-print"><a class="back-link"' in html


def test_huge_numbers_in_addresses_are_not_found(staff_client, open_round):
    huge = "9" * 25
    for url in (f"/rounds/{open_round.id}/proposals/{huge}", f"/rounds/{huge}/proposals",
                f"/rounds/{huge}/proposals/1", f"/rounds/{open_round.id}/proposals/{huge}/edit",
                f"/staff/rounds/{huge}/proposals", f"/staff/rounds/{open_round.id}/proposals/{huge}"):
        assert staff_client.get(url).status_code == 404, url
    assert staff_client.post(f"/staff/rounds/{open_round.id}/proposals/{huge}/shortlist").status_code == 404
