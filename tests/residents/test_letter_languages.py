"""Letters in the language each resident reads pb in (issue 18): the voting-code letter and the
address-verification letters are printed in the resident's language, right to left for Yiddish,
with approved translations of the round's and projects' titles, while the staff page around them
stays in the staff member's language."""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext

from pb.extensions import db
from pb.models import User
from pb.services import content_translations, verification_letters as letters
from pb.services.transaction import transaction
from tests import factories
from tests.residents.conftest import text_of
from tests.test_catalogs import SHIPPED


def in_catalog(app, code: str, message: str, **values) -> str:
    """`message` as the catalog for `code` has it."""
    with app.test_request_context(), force_locale(code):
        return gettext(message, **values)


def articles(html: str) -> dict[str, str]:
    """Each letter on the page: its lang attribute -> the whole <article> element."""
    return {m.group(1): m.group(0) for m in re.finditer(r'<article class="postal-letter[^"]*" lang="([^"]+)".*?</article>', html, re.S)}


@pytest.fixture
def round_in_turkish(app, staff_user):
    """An open round with one project, both with approved Turkish titles, and a Turkish-reading resident."""
    with app.app_context():
        round_ = factories.make_round(phase="voting_open", title="Hackney Community Fund")
        project = factories.make_proposal(round_, title="Friday lunch club", cost_pence=48_000)
        staff = db.session.get(User, staff_user.id)
        content_translations.save_translations(staff, "round", round_.id, "tr", {"title": "Hackney Topluluk Fonu"},
                                               approved=True, languages=SHIPPED)
        content_translations.save_translations(staff, "proposal", project.id, "tr", {"title": "Cuma öğle yemeği kulübü"},
                                               approved=True, languages=SHIPPED)
        resident = factories.make_resident(with_email=False, language="tr", name="Ayşe Yılmaz")
        return {"round": round_.id, "resident": resident.id}


def test_the_voting_code_letter_is_in_the_residents_language_and_the_staff_page_is_not(app, staff_client, round_in_turkish):
    r = round_in_turkish
    response = staff_client.post(f"/staff/residents/{r['resident']}/code", data={"round_id": r["round"], "issued_count": "0"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    letter = articles(html)["tr"]
    assert 'dir="ltr"' in letter
    heading = in_catalog(app, "tr", "Your voting code for %(round)s", round="Hackney Topluluk Fonu")
    assert heading != "Your voting code for Hackney Topluluk Fonu"  # the catalog has it in Turkish
    assert heading in letter and in_catalog(app, "tr", "How to vote") in letter
    assert "Cuma öğle yemeği kulübü" in letter and "Friday lunch club" not in letter
    assert "Your voting code for" not in letter and "How to vote" not in letter
    # The money and dates are in Turkish form too; the code itself is unchanged.
    assert re.search(r'class="receipt-code letter-code">[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}<', letter)
    # Around the letter, the page speaks to staff in English.
    page = text_of(response)
    assert "Print this letter now, or read the code to Ayşe Yılmaz." in page
    assert '<html lang="en-GB" dir="ltr">' in html


def test_a_resident_without_a_language_gets_the_letter_in_english(app, staff_client, round_in_turkish):
    with app.app_context():
        english = factories.make_resident(with_email=False, name="Ann Example")
    response = staff_client.post(f"/staff/residents/{english.id}/code",
                                 data={"round_id": round_in_turkish["round"], "issued_count": "0"})
    letter = articles(response.get_data(as_text=True))["en-GB"]
    assert "Your voting code for Hackney Community Fund" in letter and "Friday lunch club" in letter


def _waiting(language: str | None, name: str, address: str, postcode: str) -> tuple[int, int]:
    user = factories.make_resident(verification="self-declared", language=language, name=name, postcode=postcode)
    with transaction():
        user = db.session.get(User, user.id)
        letter = letters.request_letter(user, letters.check_address_line(address))
    return user.id, letter.id


def test_a_batch_of_address_letters_prints_each_in_its_residents_language(app, staff_client):
    with app.app_context():
        ids = [_waiting("yi", "Miriam Katz", "14 Clapton Common", "E5 9AA")[1],
               _waiting("pl", "Jan Kowalski", "Flat 3, 21 Mare Street", "E8 4RP")[1],
               _waiting(None, "Ann Smith", "7 Rectory Road", "N16 7QP")[1]]
    response = staff_client.post("/staff/letters/print", data={"letter_id": ids})
    assert response.status_code == 200, text_of(response)
    html = response.get_data(as_text=True)
    found = articles(html)
    assert set(found) == {"yi", "pl", "en-GB"}
    assert 'dir="rtl"' in found["yi"] and 'dir="ltr"' in found["pl"] and 'dir="ltr"' in found["en-GB"]
    for code in ("yi", "pl"):
        heading = in_catalog(app, code, "Your code to confirm your address")
        assert heading != "Your code to confirm your address" and heading in found[code]
        assert "Your code to confirm your address" not in found[code]
    assert "Your code to confirm your address" in found["en-GB"]
    # One code on each letter, whatever its language; the staff instructions stay in English.
    assert len(re.findall(r'class="receipt-code letter-code">[A-Z0-9-]+<', html)) == 3
    assert "Mark these 3 letters as sent" in text_of(response)
