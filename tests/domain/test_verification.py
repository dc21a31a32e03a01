"""pb.domain.verification: who must be verified before voting online, how a ballot's voter was known,
the network prefix that is hashed, counting by way."""
from __future__ import annotations

import pytest

from pb.domain import verification as v


@pytest.mark.parametrize("way, verified_only, requested, paper, code, must", [
    ("self-declared", True, False, False, False, True),
    ("self-declared", False, False, False, False, False),
    ("self-declared", False, True, False, False, True),   # staff asked: in any round
    ("self-declared", True, False, True, False, False),   # paper: staff identified the person
    ("self-declared", True, False, False, True, False),   # a voting code from staff
    (None, True, False, False, False, True),              # nothing recorded is self-declared
    ("staff", True, True, False, False, False),
    ("list", True, False, False, False, False),
    ("letter", True, False, False, False, False),
])
def test_who_must_be_verified_before_voting_online(way, verified_only, requested, paper, code, must):
    assert v.must_verify_first(verified_only=verified_only, resident_way=way, verification_requested=requested,
                               paper=paper, used_voting_code=code) is must


def test_a_ballot_is_recorded_by_how_its_voter_was_known():
    assert v.ballot_verification("self-declared", paper=True, used_voting_code=False) == "paper"
    assert v.ballot_verification("list", paper=False, used_voting_code=True) == "code"
    assert v.ballot_verification("letter", paper=False, used_voting_code=False) == "letter"
    assert v.ballot_verification(None, paper=False, used_voting_code=False) == "self-declared"
    assert set(v.BALLOT_WAY_LABELS) == set(v.BALLOT_WAYS)


@pytest.mark.parametrize("address, prefix", [
    ("203.0.113.7", "203.0.113.0/24"),
    (" 203.0.113.250 ", "203.0.113.0/24"),
    ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
    ("::ffff:198.51.100.9", "198.51.100.0/24"),  # an IPv4 address seen through IPv6
    ("not an address", None),
    ("", None),
    (None, None),
])
def test_the_network_prefix_is_the_ipv4_24_or_the_ipv6_48(address, prefix):
    assert v.network_prefix(address) == prefix


def test_counting_by_way_fills_every_way_and_files_unrecorded_rows():
    assert v.count_by_way([("staff", 2), (None, 1)], v.RESIDENT_WAYS) == {
        "staff": 2, "list": 0, "letter": 0, "self-declared": 1}
    assert v.count_by_way([("code", 3), (None, 4)], v.BALLOT_WAYS, missing="unrecorded")["unrecorded"] == 4
