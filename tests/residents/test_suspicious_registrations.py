"""Staff review of suspicious registrations: the page lists planted clusters and nothing for the demo's
ordinary residents, staff actions work and are audited, non-staff are refused, the admin's settings
are checked, and network-prefix hashes are never the address and are gone after 90 days."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from pb.demo import DEMO_PASSWORD, STAFF_EMAIL, SUSPICIOUS_POSTCODE, load_demo
from pb.domain import suspicion
from pb.extensions import db
from pb.models import AuditEvent, Ballot, SiteSetting, SuspicionReview, User
from pb.services import site_settings
from pb.services import suspicious_registrations as service
from pb.services.verification import network_key
from pb.templating import format_date
from tests import factories
from tests.conftest import page_html
from tests.residents.conftest import error_messages, register_steps, text_of

PAGE = "/staff/suspicious-registrations/"
SETTINGS = "/staff/suspicious-registrations/settings"
NOW = datetime.now(timezone.utc)
BURST_START = (NOW - timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
# Dates of birth from 1936 to 1970, all over 50 however many residents a test plants.
_born = iter(date(1936, 1, 1) + timedelta(days=(53 * i) % (365 * 34)) for i in range(100_000))


def plant(n: int = 1, *, postcode: str | list[str] = "E8 4QQ", start: datetime | None = None, every: timedelta = timedelta(days=2),
          address: str | None = None, verification: str = "self-declared", by_staff: int | None = None,
          names: list[str] | None = None, born: date | None = None) -> list[int]:
    """`n` residents registered `every` apart from `start`, from the network of `address`; their ids.

    `postcode` is every resident's, or a list with one for each."""
    ids = []
    for i in range(n):
        user = factories.make_resident(
            name=names[i] if names else None, postcode=postcode if isinstance(postcode, str) else postcode[i],
            verification=verification,
            date_of_birth=born or next(_born),
        )
        user.created_at = (start or NOW - timedelta(days=60)) + every * i
        user.network_key = network_key(address) if address else None
        user.registered_by_id = by_staff
        ids.append(user.id)
    db.session.commit()
    return ids


@pytest.fixture
def clusters(app):
    """One of each signal, among residents who make no group."""
    with app.app_context():
        ordinary = [plant(postcode=f"E{d} {d}A{c}", start=NOW - timedelta(days=40 * d + k))[0]
                    for d in (2, 5, 8, 9) for k, c in enumerate("BDEF")]
        postcode = plant(7, postcode="E8 4QQ", start=NOW - timedelta(days=50))
        burst = plant(11, postcode=[f"E5 {i}AA" for i in range(11)], start=BURST_START, every=timedelta(minutes=4),
                      address="203.0.113.7")
        real = plant(postcode="N16 7AB", verification="staff", names=["Margaret Okafor"], born=date(1947, 5, 1))
        copy = plant(postcode="N16 7AB", names=["Margret Okafor"], born=date(1947, 5, 1), start=NOW - timedelta(days=1))
        return {"ordinary": ordinary, "postcode": postcode, "burst": burst, "near": real + copy}


def groups(app) -> list[suspicion.Group]:
    with app.app_context():
        found = service.open_groups()
        db.session.remove()
        return found


def group_of(app, kind: str) -> suspicion.Group:
    [group] = [g for g in groups(app) if g.kind == kind]
    return group


def action_url(group: suspicion.Group, action: str) -> str:
    return f"{PAGE}{group.kind}/{group.group_key}/{action}"


def seen(group: suspicion.Group) -> str:
    return suspicion.members_text(group.member_ids)


def audits(app, action: str) -> list[dict]:
    with app.app_context():
        return [e.details for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))]


def residents(app, ids) -> list[User]:
    with app.app_context():
        found = list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))
        db.session.expunge_all()
        return found


# ---------------------------------------------------------------- the page


def test_the_page_lists_each_planted_cluster_with_links_to_its_residents(app, staff_client, clusters):
    html = page_html(staff_client, PAGE)
    text = text_of(staff_client.get(PAGE))
    assert "<h1>Suspicious registrations</h1>" in html
    assert "7 registrations nobody has checked at E8 4QQ" in text
    assert f"11 registrations online on {format_date(BURST_START)}, from " in text
    assert "All of them came from one network." in text
    assert "2 people born on 1 May 1947 at N16 7AB with similar names" in text
    for kind in ("postcode", "burst", "near"):
        for user_id in clusters[kind]:
            assert f'href="/staff/residents/{user_id}"' in html
    for user_id in clusters["ordinary"]:
        assert f'href="/staff/residents/{user_id}"' not in html
    assert "Checked by staff" in text  # the real resident the copy resembles is shown with how pb knows them
    # Each button also names its group, for screen readers.
    assert len(re.findall(r'Refuse these registrations<span class="visually-hidden">: ', html)) == 3


def test_the_service_finds_exactly_the_planted_groups(app, clusters):
    found = {g.kind: set(g.member_ids) for g in groups(app)}
    assert found == {"shared-postcode": set(clusters["postcode"]), "burst": set(clusters["burst"]),
                     "near-duplicate": set(clusters["near"])}
    with app.app_context():
        counts = service.summary_counts()
    assert counts.groups == 3 and counts.residents == 7 + 11 + 2
    assert counts.by_kind["burst"] == service.KindCount(groups=1, residents=11)
    assert counts.by_kind["near-duplicate"] == service.KindCount(groups=1, residents=2)


def test_the_admins_thresholds_decide_and_are_more_than(app, admin_user, clusters):
    with app.app_context():
        site_settings.update_settings(db.session.get(User, admin_user.id),
                                      {"suspicious_postcode_threshold": "7", "suspicious_burst_threshold": "11"})
    assert {g.kind for g in groups(app)} == {"near-duplicate"}
    with app.app_context():
        site_settings.update_settings(db.session.get(User, admin_user.id),
                                      {"suspicious_postcode_threshold": "6", "suspicious_burst_threshold": "10"})
    assert {g.kind for g in groups(app)} == {"shared-postcode", "burst", "near-duplicate"}


def test_registrations_by_staff_and_verified_residents_make_no_burst(app, staff_user):
    with app.app_context():
        plant(12, start=NOW - timedelta(hours=2), every=timedelta(minutes=1), by_staff=staff_user.id,
              postcode=[f"E2 {i}AA" for i in range(12)])
        plant(12, start=NOW - timedelta(hours=2), every=timedelta(minutes=1), verification="list", postcode="E2 1AB")
    assert groups(app) == []


def test_the_demos_ordinary_residents_make_no_group_only_its_planted_cluster_does(app, client, auth):
    with app.app_context():
        load_demo(residents=120)
        planted = set(db.session.scalars(select(User.id).where(User.postcode == SUSPICIOUS_POSTCODE)))
        found = service.open_groups()
        assert [(g.kind, set(g.member_ids)) for g in found] == [("shared-postcode", planted)]
        assert service.summary_counts().residents == len(planted) == 8
        db.session.remove()
    auth.login(STAFF_EMAIL, DEMO_PASSWORD)
    text = text_of(client.get(PAGE))
    assert f"8 registrations nobody has checked at {SUSPICIOUS_POSTCODE}" in text
    assert text.count("None at the moment.") == 3  # no shared letter address, no burst, no near-duplicate people


def test_nobody_but_staff_sees_the_page(app, resident_client, clusters):
    response = app.test_client().get(PAGE)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert resident_client.get(PAGE).status_code == 403


def test_residents_cannot_act_on_a_group_and_nothing_changes(app, resident_client, clusters):
    group = group_of(app, "shared-postcode")
    for action, data in (("check", {"note": "x"}), ("ask-to-verify", {}), ("refuse", {"reason": "Not real"})):
        response = resident_client.post(action_url(group, action), data={"members_seen": seen(group), **data})
        assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SuspicionReview)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert all(u.eligibility_status == "eligible" and u.verification_requested_at is None
               for u in residents(app, clusters["postcode"]))


# ---------------------------------------------------------------- mark as checked


def test_mark_as_checked_hides_the_group_until_someone_new_joins_it(app, staff_client, staff_user, clusters):
    group = group_of(app, "shared-postcode")
    response = staff_client.post(action_url(group, "check"),
                                 data={"members_seen": seen(group), "note": "A care home: the manager confirmed them."})
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    text = text_of(staff_client.get(PAGE))
    assert "Marked as checked: 7 residents." in text
    assert "7 registrations nobody has checked at E8 4QQ" not in text
    assert "1 group marked as checked is hidden" in text
    with app.app_context():
        [row] = db.session.scalars(select(SuspicionReview))
        assert (row.kind, row.group_key, row.members) == ("shared-postcode", "E84QQ", seen(group))
        assert row.checked_by_id == staff_user.id and row.note == "A care home: the manager confirmed them."
    [details] = audits(app, "suspicion.checked")
    assert details["members"] == list(group.member_ids) and details["group_key"] == "E84QQ"
    assert {g.kind for g in groups(app)} == {"burst", "near-duplicate"}

    with app.app_context():
        [newcomer] = plant(postcode="E8 4QQ", start=NOW - timedelta(days=5))
    again = group_of(app, "shared-postcode")
    assert again.group_key == group.group_key and newcomer in again.member_ids and again.size == 8
    assert "8 registrations nobody has checked at E8 4QQ" in text_of(staff_client.get(PAGE))

    # Checked again, the same review now holds the newcomer too.
    staff_client.post(action_url(again, "check"), data={"members_seen": seen(again)})
    with app.app_context():
        [row] = db.session.scalars(select(SuspicionReview))
        assert row.members == seen(again) and row.note == ""
    assert len(audits(app, "suspicion.checked")) == 2
    assert "shared-postcode" not in {g.kind for g in groups(app)}


def test_a_group_that_grew_since_the_page_was_shown_is_not_acted_on(app, staff_client, clusters):
    group = group_of(app, "shared-postcode")
    with app.app_context():
        plant(postcode="E8 4QQ", start=NOW - timedelta(days=5))
    for action, data in (("check", {}), ("ask-to-verify", {}), ("refuse", {"reason": "Not real people."})):
        response = staff_client.post(action_url(group, action), data={"members_seen": seen(group), **data},
                                     follow_redirects=True)
        assert "This group has 1 new registration since you opened the page" in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SuspicionReview)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert all(u.eligibility_status == "eligible" for u in residents(app, clusters["postcode"]))


def test_an_unknown_or_gone_group_is_refused(app, staff_client, clusters):
    assert staff_client.post(f"{PAGE}nonsense/E84QQ/check", data={}).status_code == 404
    response = staff_client.post(f"{PAGE}shared-postcode/E99ZZ/check", data={}, follow_redirects=True)
    assert "That group is no longer on the list" in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SuspicionReview)) == 0


def test_a_note_that_is_too_long_is_shown_next_to_its_field(app, staff_client, clusters):
    group = group_of(app, "burst")
    response = staff_client.post(action_url(group, "check"), data={"members_seen": seen(group), "note": "x" * 1001})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Error: Suspicious registrations" in html
    assert error_messages(html) == ["Keep the note to 1,000 characters or fewer"]
    assert f'href="#burst-{group.group_key}-check-note"' in html and f'id="burst-{group.group_key}-check-note"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SuspicionReview)) == 0


# ---------------------------------------------------------------- ask them to verify


def test_ask_them_to_verify_asks_each_self_declared_member_and_is_audited(app, staff_client, clusters):
    group = group_of(app, "near-duplicate")
    response = staff_client.post(action_url(group, "ask-to-verify"), data={"members_seen": seen(group)},
                                 follow_redirects=True)
    assert "1 resident must now be verified before they can vote." in text_of(response)
    real, copy = residents(app, clusters["near"])
    assert copy.verification_requested_at is not None
    assert real.verification_requested_at is None and real.verification == "staff"
    assert [d["resident_id"] for d in audits(app, "resident.verification_requested")] == [copy.id]
    [details] = audits(app, "suspicion.verification_requested")
    assert details == {"kind": "near-duplicate", "group_key": group.group_key, "residents": [copy.id]}
    # Still shown until marked checked or refused: being asked is not being verified.
    assert "near-duplicate" in {g.kind for g in groups(app)}


def test_once_asked_they_cannot_vote_online_even_where_self_declared_ballots_count(app, staff_client, clusters):
    with app.app_context():
        open_to_all = factories.make_round(phase="voting_open", verified_only=False)
        round_id, project = open_to_all.id, factories.make_proposal(open_to_all).id
    group = group_of(app, "burst")
    staff_client.post(action_url(group, "ask-to-verify"), data={"members_seen": seen(group)})
    asked = residents(app, clusters["burst"])
    assert all(u.verification_requested_at is not None for u in asked)
    assert len(audits(app, "resident.verification_requested")) == 11

    voter = app.test_client()
    voter.post("/sign-in", data={"email": asked[0].email, "password": factories.PASSWORD})
    response = voter.post(f"/rounds/{round_id}/vote/cast", data={"rank1": str(project)})
    assert response.status_code == 403
    assert "Before you can vote we need to check" in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


# ---------------------------------------------------------------- refuse these registrations


def test_refusing_needs_a_reason_and_changes_nothing_without_one(app, staff_client, clusters):
    group = group_of(app, "shared-postcode")
    response = staff_client.post(action_url(group, "refuse"), data={"members_seen": seen(group), "reason": "  "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_messages(html) == ["Enter the reason, in words the resident will understand. It is shown to them"]
    assert 'id="shared-postcode-E84QQ-refuse-reason"' in html
    assert all(u.eligibility_status == "eligible" for u in residents(app, clusters["postcode"]))
    assert audits(app, "resident.refused") == [] and audits(app, "suspicion.refused") == []


def test_refusing_a_group_refuses_each_self_declared_member_with_the_reason_they_see(app, client, auth, staff_client, clusters):
    group = group_of(app, "near-duplicate")
    reason = "We could not confirm you are a different person from someone already registered. Call us if this is wrong."
    response = staff_client.post(action_url(group, "refuse"), data={"members_seen": seen(group), "reason": reason},
                                 follow_redirects=True)
    assert "1 resident can no longer take part. Each of them will see the reason you gave." in text_of(response)
    real, copy = residents(app, clusters["near"])
    assert (copy.eligibility_status, copy.eligibility_reason) == ("refused", reason)
    assert real.eligibility_status == "eligible" and real.eligibility_reason != reason
    assert [d["resident_id"] for d in audits(app, "resident.refused")] == [copy.id]
    assert audits(app, "suspicion.refused") == [{"kind": "near-duplicate", "group_key": group.group_key,
                                                 "residents": [copy.id]}]
    assert "near-duplicate" not in {g.kind for g in groups(app)}

    resident = app.test_client()
    resident.post("/sign-in", data={"email": copy.email, "password": factories.PASSWORD})
    assert reason in text_of(resident.get("/account"))


def test_refusing_a_burst_removes_it_from_the_list(app, staff_client, clusters):
    group = group_of(app, "burst")
    staff_client.post(action_url(group, "refuse"), data={"members_seen": seen(group), "reason": "Not real people."})
    assert all(u.eligibility_status == "refused" for u in residents(app, clusters["burst"]))
    assert len(audits(app, "resident.refused")) == 11
    assert "burst" not in {g.kind for g in groups(app)}


def test_actions_carry_the_csrf_token_of_the_page(csrf_app):
    with csrf_app.app_context():
        factories.make_staff(email="staff@example.org")
        plant(7, postcode="E8 4QQ")
    client = csrf_app.test_client()
    sign_in = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', sign_in).group(1)
    client.post("/sign-in", data={"email": "staff@example.org", "password": factories.PASSWORD, "csrf_token": token})
    html = page_html(client, PAGE)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    members = re.search(r'name="members_seen"[^>]*value="([^"]+)"', html).group(1)
    url = f"{PAGE}shared-postcode/E84QQ/check"
    assert client.post(url, data={"members_seen": members}).status_code == 400  # no token
    assert client.post(url, data={"members_seen": members, "csrf_token": token}).status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SuspicionReview)) == 1


# ---------------------------------------------------------------- settings (administrators)


def test_the_settings_page_shows_and_saves_the_thresholds_and_places(app, admin_client):
    html = page_html(admin_client, SETTINGS)
    assert 'value="6"' in html and 'value="10"' in html
    response = admin_client.post(SETTINGS, data={"suspicious_postcode_threshold": " 9 ", "suspicious_burst_threshold": "25",
                                                 "check_in_person_places": "Hackney Central Library, Tuesdays 10am to 12 noon"})
    assert response.status_code == 302
    assert "Settings saved." in text_of(admin_client.get(SETTINGS))
    with app.app_context():
        assert service.thresholds() == service.Thresholds(postcode=9, burst=25)
        assert site_settings.places_to_check_in_person() == ["Hackney Central Library, Tuesdays 10am to 12 noon"]
    assert {d["setting"] for d in audits(app, "settings.changed")} == {
        "suspicious_postcode_threshold", "suspicious_burst_threshold", "check_in_person_places"}


@pytest.mark.parametrize("postcode,burst,messages", [
    ("abc", "10", ["Enter a whole number from 2 to 1000"]),
    ("6", "1", ["Enter a whole number from 2 to 10000"]),
    ("1001", "-3", ["Enter a whole number from 2 to 1000", "Enter a whole number from 2 to 10000"]),
    ("", "10", ["Enter a whole number from 2 to 1000"]),
    ("6.5", "10", ["Enter a whole number from 2 to 1000"]),
])
def test_bad_settings_are_refused_with_a_message_and_nothing_is_saved(app, admin_client, postcode, burst, messages):
    response = admin_client.post(SETTINGS, data={"suspicious_postcode_threshold": postcode,
                                                 "suspicious_burst_threshold": burst,
                                                 "check_in_person_places": "The library"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Error: Settings for suspicious registrations" in html
    assert error_messages(html) == messages
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SiteSetting)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_only_administrators_change_the_settings(app, staff_client):
    assert staff_client.get(SETTINGS).status_code == 403
    response = staff_client.post(SETTINGS, data={"suspicious_postcode_threshold": "2", "suspicious_burst_threshold": "2"})
    assert response.status_code == 403
    assert "Change these settings" not in text_of(staff_client.get(PAGE))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SiteSetting)) == 0


# ---------------------------------------------------------------- network-prefix hashes


def test_the_network_key_is_a_keyed_hash_of_the_prefix_never_the_address(app_ctx):
    key = network_key("203.0.113.7")
    assert key and len(key) == 64 and "203.0.113" not in key and "203" not in key
    assert network_key("203.0.113.200") == key  # the same /24 network
    assert network_key("198.51.100.7") != key
    assert network_key("2001:db8:1234:5678::1") == network_key("2001:db8:1234:ffff::2")  # the same /48
    assert network_key("::ffff:203.0.113.9") == key
    assert network_key("not an address") is None and network_key(None) is None


def test_registering_online_keeps_the_networks_hash_not_its_address(app, client):
    with app.app_context():
        factories.make_round(phase="voting_open")
    response = register_steps(client, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "margaret@example.org"))
        assert user.network_key == network_key("203.0.113.7")
        stored = [str(v) for v in db.session.execute(select(User.__table__)).one()]
    assert not any("203.0.113" in value for value in stored)


def test_network_keys_are_deleted_after_90_days(app_ctx):
    old, recent = plant(2, address="203.0.113.7", start=NOW - timedelta(days=91), every=timedelta(days=2))
    assert service.purge_network_keys() == 1
    assert db.session.get(User, old).network_key is None
    assert db.session.get(User, recent).network_key == network_key("203.0.113.7")
    # Time travel: 2 more days on, the other one is older than 90 days too.
    assert service.purge_network_keys(now=NOW + timedelta(days=2)) == 1
    db.session.expire_all()
    assert db.session.get(User, recent).network_key is None


def test_a_new_online_registration_deletes_network_keys_older_than_90_days(app, client):
    with app.app_context():
        [old] = plant(address="203.0.113.7", start=NOW - timedelta(days=91))
        [kept] = plant(address="203.0.113.7", start=NOW - timedelta(days=89))
    assert register_steps(client, environ_base={"REMOTE_ADDR": "198.51.100.4"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, old).network_key is None
        assert db.session.get(User, kept).network_key == network_key("203.0.113.7")

# ---------------------------------------------------------------- letters to one address


def test_many_letters_to_one_address_make_a_group_and_their_letters_are_held_until_it_is_checked(app, staff_client):
    """One person could collect the letters of invented neighbours: more than two letters to one address
    are held, and confirming by letter does not take anyone out of the group."""
    from pb.models import VerificationLetter
    from pb.services import verification_letters

    with app.app_context():
        ids = plant(3, postcode="E8 1AB", every=timedelta(days=9))
        for user_id in ids:
            verification_letters.request_letter(db.session.get(User, user_id), "12 Mare Street")
        lone = plant(1, postcode="E8 1AB")[0]
        verification_letters.request_letter(db.session.get(User, lone), "Flat 9, 3 Well Street")
        db.session.commit()
        [group] = [g for g in service.open_groups() if g.kind == "shared-address"]
        assert set(group.member_ids) == set(ids)
        assert "mare" not in group.group_key.lower()  # the key appears in page addresses; the address must not
        queue = verification_letters.letter_queue()
        assert {r.id for _, r in queue.held} == set(ids) and [r.id for _, r in queue.waiting] == [lone]
        held_letter = db.session.scalar(select(VerificationLetter.id).where(VerificationLetter.user_id == ids[0]))
        staff = db.session.get(User, factories.make_staff().id)
        with pytest.raises(Exception, match="is held"):
            verification_letters.print_letters(staff, [held_letter])
        assert db.session.get(VerificationLetter, held_letter, populate_existing=True).printed_at is None
        # A resident confirmed by a letter still counts: the letter reached a door, not a person.
        db.session.get(User, ids[0]).verification = "letter"
        db.session.commit()
        assert {g.kind for g in service.open_groups() if ids[0] in g.member_ids} == {"shared-address"}
    page = text_of(staff_client.get("/staff/letters"))
    assert "Held: check these first (3)" in page
    assert "3 residents asking for letters to 12 Mare Street, E8 1AB" in text_of(staff_client.get(PAGE))


def test_a_staff_sign_in_deletes_network_keys_older_than_90_days(app, client, auth, staff_user):
    with app.app_context():
        [old] = plant(address="203.0.113.7", start=NOW - timedelta(days=91))
        [kept] = plant(address="203.0.113.8", start=NOW - timedelta(days=89))
    auth.login(staff_user.email)
    with app.app_context():
        assert db.session.get(User, old).network_key is None
        assert db.session.get(User, kept).network_key == network_key("203.0.113.8")
