"""Signals of invented registrations, on plain records: each found on planted data, thresholds are
"more than", near-duplicate names, and ordinary varied residents give no group."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from pb.domain import suspicion
from pb.domain.suspicion import Registration, bursts, edit_distance, near_duplicates, shared_postcodes, similar_names

START = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
_ids = iter(range(1, 1_000_000))


def person(name: str = "Someone", *, born: date = date(1950, 6, 15), postcode: str = "E8 1AB",
           at: datetime = START, network: str | None = None, online: bool = True, self_declared: bool = True,
           refused: bool = False, address: str | None = None, letter_only: bool = False) -> Registration:
    return Registration(id=next(_ids), name=name, date_of_birth=born, postcode=postcode, created_at=at,
                        network_key=network, online=online, self_declared=self_declared, refused=refused,
                        address=address, letter_only=letter_only)


def at_postcode(n: int, postcode: str = "E8 4QQ", **kw) -> list[Registration]:
    return [person(f"Resident Number{i}", postcode=postcode, born=date(1940, 1, 1) + timedelta(days=97 * i),
                   at=START - timedelta(days=3 * i), **kw) for i in range(n)]


def minutes_apart(n: int, minutes: float, start: datetime = START, **kw) -> list[Registration]:
    return [person(f"Burst Person{i}", postcode=f"E8 {i % 9 + 1}AA", born=date(1940, 1, 1) + timedelta(days=131 * i),
                   at=start + timedelta(minutes=minutes * i), **kw) for i in range(n)]


# ---------------------------------------------------------------- shared postcode


def test_more_self_declared_registrations_at_one_postcode_than_the_threshold_make_a_group():
    planted = at_postcode(7, "E8 4QQ")
    [group] = shared_postcodes(planted + at_postcode(3, "E5 0AA"), threshold=6)
    assert group.kind == suspicion.SHARED_POSTCODE
    assert group.group_key == "E84QQ"
    assert group.postcode == "E8 4QQ"
    assert set(group.member_ids) == {p.id for p in planted}
    assert [m.created_at for m in group.members] == sorted(m.created_at for m in group.members)


def test_the_postcode_threshold_is_more_than_not_as_many_as():
    assert shared_postcodes(at_postcode(6), threshold=6) == []
    assert len(shared_postcodes(at_postcode(7), threshold=6)) == 1
    assert len(shared_postcodes(at_postcode(3), threshold=2)) == 1


def test_postcode_spacing_and_case_do_not_split_a_group():
    people = at_postcode(4, "E8 4QQ") + at_postcode(3, "e84qq")
    [group] = shared_postcodes(people, threshold=6)
    assert group.size == 7


def test_verified_and_refused_residents_do_not_count_toward_a_shared_postcode():
    people = at_postcode(6) + at_postcode(3, self_declared=False) + at_postcode(2, refused=True)
    assert shared_postcodes(people, threshold=6) == []


def test_the_group_key_of_a_postcode_stays_the_same_as_it_grows():
    people = at_postcode(7)
    before = shared_postcodes(people, 6)[0]
    after = shared_postcodes(people + at_postcode(1), 6)[0]
    assert before.group_key == after.group_key and after.size == 8


# ---------------------------------------------------------------- bursts


def test_more_online_registrations_within_an_hour_than_the_threshold_make_one_burst():
    planted = minutes_apart(11, 5)  # 11 in 50 minutes
    earlier = minutes_apart(5, 30, start=START - timedelta(days=2))
    [group] = bursts(planted + earlier, threshold=10)
    assert group.kind == suspicion.BURST
    assert set(group.member_ids) == {p.id for p in planted}
    assert (group.first, group.last, group.size) == (START, START + timedelta(minutes=50), 11)
    assert group.group_key == f"from-{planted[0].id}"


def test_the_burst_threshold_is_more_than_not_as_many_as():
    assert bursts(minutes_apart(10, 5), threshold=10) == []
    assert len(bursts(minutes_apart(11, 5), threshold=10)) == 1


def test_a_burst_is_any_sixty_minute_window_not_the_clock_hour():
    # 10:40 to 11:30: no clock hour holds more than 6, but one 60-minute window holds all 11.
    people = minutes_apart(11, 5, start=START + timedelta(minutes=40))
    assert len(bursts(people, threshold=10)) == 1
    # Spread over just more than an hour, no window holds all 11.
    assert bursts(minutes_apart(11, 6.1), threshold=10) == []


def test_overlapping_busy_windows_make_one_group_and_separate_ones_two():
    long_burst = minutes_apart(30, 4)  # two hours of steady registrations, 15 an hour
    [group] = bursts(long_burst, threshold=10)
    assert group.size == 30
    other_day = minutes_apart(12, 1, start=START + timedelta(days=1))
    groups = bursts(long_burst + other_day, threshold=10)
    assert [g.size for g in groups] == [12, 30]  # newest first


def test_a_burst_says_how_many_came_from_one_network():
    same = minutes_apart(11, 3, network="net-a")
    [group] = bursts(same, threshold=10)
    assert group.all_from_one_network and group.from_one_network == 11
    mixed = minutes_apart(8, 3, network="net-b") + minutes_apart(4, 3, start=START + timedelta(seconds=30), network="net-c")
    [group] = bursts(mixed, threshold=10)
    assert not group.all_from_one_network and group.from_one_network == 8
    [group] = bursts(minutes_apart(11, 3), threshold=10)  # no network recorded
    assert group.from_one_network == 0 and not group.all_from_one_network


def test_registrations_by_staff_verified_and_refused_residents_do_not_count_toward_a_burst():
    people = (minutes_apart(10, 2) + minutes_apart(3, 2, online=False) + minutes_apart(3, 2, self_declared=False)
              + minutes_apart(3, 2, refused=True))
    assert bursts(people, threshold=10) == []


# ---------------------------------------------------------------- near-duplicate people


@pytest.mark.parametrize("a,b,distance", [
    ("jon smith", "john smith", 1),
    ("john smith", "jhon smith", 1),  # two letters swapped
    ("john smith", "john smyth", 1),
    ("mary jones", "mary jones", 0),
    ("mary jones", "marie jones", 2),
    ("kitten", "sitting", 3),
    ("", "abc", 3),
])
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


@pytest.mark.parametrize("a,b", [
    ("Jon Smith", "John Smith"),
    ("Smith John", "John Smith"),
    ("Smith Jon", "John Smith"),
    ("JOHN  SMITH", "john smith"),
    ("Mary-Jane O'Brien", "Mary Jane OBrien"),
    ("Zoë Adeyemi", "Zoe Adeyemi"),
    ("Margaret Okafor", "Margret Okafor"),
    ("Ann Lee", "Lea Enn"),  # the same letters in another order
])
def test_names_a_typo_apart_or_reordered_are_similar(a, b):
    assert similar_names(a, b)


@pytest.mark.parametrize("a,b", [
    ("John Smith", "Mary Smith"),
    ("Margaret Okafor", "Patrick Okafor"),
    ("Jon Smith", "Jonathan Smith"),
    ("", "John Smith"),
])
def test_different_names_are_not_similar(a, b):
    assert not similar_names(a, b)


def test_same_birth_date_and_postcode_with_a_typo_is_a_near_duplicate():
    real = person("John Smith", self_declared=False)
    copy = person("Jon Smith", at=START + timedelta(days=1))
    [group] = near_duplicates([real, copy, person("Mary Smith")])
    assert group.kind == suspicion.NEAR_DUPLICATE
    assert group.member_ids == (real.id, copy.id)
    assert group.group_key == f"E81AB-19500615-{real.id}"
    assert group.date_of_birth == date(1950, 6, 15) and group.postcode == "E8 1AB"


def test_a_chain_of_similar_names_is_one_group():
    people = [person("John Smith"), person("Jon Smith"), person("Jon Smyth")]
    [group] = near_duplicates(people)
    assert group.size == 3


def test_a_near_duplicate_needs_the_same_birth_date_and_the_same_postcode():
    assert near_duplicates([person("John Smith"), person("Jon Smith", born=date(1950, 6, 16))]) == []
    assert near_duplicates([person("John Smith"), person("Jon Smith", postcode="E8 1AD")]) == []
    assert len(near_duplicates([person("John Smith"), person("Jon Smith", postcode="e81ab")])) == 1


def test_a_near_duplicate_needs_someone_self_declared_and_not_refused():
    assert near_duplicates([person("John Smith", self_declared=False), person("Jon Smith", self_declared=False)]) == []
    assert near_duplicates([person("John Smith", self_declared=False), person("Jon Smith", refused=True)]) == []
    [group] = near_duplicates([person("John Smith", refused=True), person("Jon Smith")])
    assert group.size == 2  # the refused one is shown alongside


# ---------------------------------------------------------------- reviews


def test_a_checked_group_stays_hidden_until_someone_new_joins_it():
    group = shared_postcodes(at_postcode(7), 6)[0]
    checked = suspicion.parse_members(suspicion.members_text(group.member_ids))
    assert suspicion.still_checked(group, checked)
    assert not suspicion.still_checked(group, checked - {group.member_ids[0]})
    assert not suspicion.still_checked(group, None)
    assert suspicion.members_text([42, 3, 17, 3]) == "3,17,42"
    assert suspicion.parse_members("3,17,,x,42") == {3, 17, 42}


def test_group_keys_are_safe_in_an_address_and_a_page_id():
    groups = (shared_postcodes(at_postcode(7, "N16 7AB"), 6) + bursts(minutes_apart(11, 1), 10)
              + near_duplicates([person("John Smith", postcode="N16 7AB"), person("Jon Smith", postcode="N16 7AB")]))
    assert len(groups) == 3
    for group in groups:
        assert group.group_key.replace("-", "").isalnum(), group.group_key


# ---------------------------------------------------------------- ordinary residents


FIRST = ["Margaret", "Patrick", "Aisha", "Winston", "Fatma", "Delroy", "Shirley", "Mehmet", "Joan", "Kwame",
         "Rukhsana", "Brian", "Grace", "Hyacinth", "Stanley", "Nasreen", "Doreen", "Emeka", "Irene", "Yusuf"]
LAST = ["Okafor", "Hughes", "Begum", "Campbell", "Yilmaz", "Murphy", "Clarke", "Mensah", "O'Brien", "Patel",
        "Levy", "Adeyemi", "Kowalski", "Brown", "Ahmed", "Fitzgerald", "Osei", "Demir", "Cohen", "Walker"]


def ordinary_residents(n: int, seed: int = 7) -> list[Registration]:
    """Varied residents: registered over a year, at many postcodes, a mix of verified and not."""
    rng = random.Random(seed)
    people, seen = [], set()
    while len(people) < n:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        born = date(1930, 1, 1) + timedelta(days=rng.randint(0, 365 * 45))
        postcode = f"{rng.choice(['E2', 'E5', 'E8', 'E9', 'N16'])} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        if (name, born, postcode) in seen:
            continue
        seen.add((name, born, postcode))
        people.append(person(name, born=born, postcode=postcode, at=START - timedelta(minutes=rng.randint(0, 525_600)),
                             network=f"net-{rng.randint(1, 400)}", online=rng.random() < 0.7,
                             self_declared=rng.random() < 0.4))
    return people


def test_ordinary_varied_residents_give_no_group():
    people = ordinary_residents(400)
    assert shared_postcodes(people, 6) == []
    assert bursts(people, 10) == []
    assert near_duplicates(people) == []


def test_planted_clusters_are_found_among_ordinary_residents():
    people = ordinary_residents(400)
    planted_postcode = at_postcode(8, "E9 7XX")
    planted_burst = minutes_apart(12, 2, start=START + timedelta(days=3), network="net-attacker")
    planted_copy = [person("Shirley Campbell", born=date(1944, 2, 2), postcode="E5 8QQ", self_declared=False),
                    person("Shirly Campbel", born=date(1944, 2, 2), postcode="E5 8QQ")]
    everyone = people + planted_postcode + planted_burst + planted_copy
    assert [set(g.member_ids) for g in shared_postcodes(everyone, 6)] == [{p.id for p in planted_postcode}]
    [burst] = bursts(everyone, 10)
    assert set(burst.member_ids) == {p.id for p in planted_burst} and burst.all_from_one_network
    assert [set(g.member_ids) for g in near_duplicates(everyone)] == [{p.id for p in planted_copy}]


def test_more_than_two_unchecked_residents_at_one_letter_address_make_a_group():
    from pb.domain.suspicion import SHARED_ADDRESS, address_key, shared_addresses

    assert address_key("Flat 2,  14 Mare St.", "e8 1ab") == address_key("flat 2 14 mare st", "E8 1AB")
    assert address_key(None, "E8 1AB") is None and address_key("12 Mare Street", None) is None
    household = [person(f"Person {n}", postcode="E8 1AB", address="12 Mare Street") for n in range(2)]
    assert shared_addresses(household) == []  # two older residents at one address is ordinary
    crowd = [person(f"Person {n}", postcode="E8 1AB", address="12 MARE STREET") for n in range(4)]
    checked = [person("Real Resident", postcode="E8 1AB", address="12 Mare Street", self_declared=False)]
    [group] = shared_addresses(crowd + checked)
    assert group.kind == SHARED_ADDRESS and group.size == 4 and group.address == "12 MARE STREET"
    # Confirmed only by a letter still counts: one person could collect every letter.
    by_letter = [person(f"Letter {n}", postcode="E8 1AB", address="12 Mare Street", self_declared=False,
                        letter_only=True) for n in range(3)]
    assert [g.size for g in shared_addresses(by_letter)] == [3]
