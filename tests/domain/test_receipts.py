import hashlib
import math
import re
from collections import Counter

import pytest

from pb.domain.errors import ValidationFailed
from pb.domain.receipts import (
    CANONICAL_VERSION,
    RECEIPT_ALPHABET,
    RECEIPT_PATTERN,
    ballot_commitment,
    canonical_ballot,
    commitment_for,
    format_receipt,
    is_legacy_receipt,
    new_receipt_code,
    normalise_receipt,
    receipt_code_for_token,
)

NONCE = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CODE = "K7QM-4TZP-9CX"
WRONG_SHAPE = ("Enter the receipt code exactly as it is printed: 11 letters and numbers in three groups, "
               "like K7QM-4TZP-9CX.")


def test_the_alphabet_has_no_look_alikes_and_codes_carry_over_50_bits():
    assert not set("01ILO") & set(RECEIPT_ALPHABET)
    assert len(set(RECEIPT_ALPHABET)) == len(RECEIPT_ALPHABET) == 31
    assert 11 * math.log2(len(RECEIPT_ALPHABET)) > 54


def test_new_codes_are_grouped_4_4_3_from_the_alphabet_and_differ():
    codes = [new_receipt_code() for _ in range(2000)]
    assert all(RECEIPT_PATTERN.match(c) for c in codes)
    assert all(re.fullmatch(r"\w{4}-\w{4}-\w{3}", c) for c in codes)
    assert len(set(codes)) == len(codes)
    # Every character of the alphabet turns up, each roughly as often (22,000 draws, ~710 each).
    seen = Counter(ch for c in codes for ch in c.replace("-", ""))
    assert set(seen) == set(RECEIPT_ALPHABET)
    assert min(seen.values()) > 500 and max(seen.values()) < 950


def test_a_token_stands_for_one_code_per_key_round_and_voter():
    key = b"k" * 32
    code = receipt_code_for_token(key, 4, "user:7", "token")
    assert RECEIPT_PATTERN.match(code)
    assert receipt_code_for_token(key, 4, "user:7", "token") == code
    others = {receipt_code_for_token(b"j" * 32, 4, "user:7", "token"), receipt_code_for_token(key, 5, "user:7", "token"),
              receipt_code_for_token(key, 4, "user:8", "token"), receipt_code_for_token(key, 4, "user:7", "other")}
    assert code not in others and len(others) == 4


def test_canonical_ballot_text():
    assert CANONICAL_VERSION == "pb-ballot-v2"
    assert canonical_ballot(4, [17, 3, 9], NONCE, CODE) == (
        "pb-ballot-v2|round=4|receipt=K7QM-4TZP-9CX|ranking=17,3,9|nonce=0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    assert canonical_ballot("12", ("5",), "ab", CODE) == "pb-ballot-v2|round=12|receipt=K7QM-4TZP-9CX|ranking=5|nonce=ab"
    # Ballots from before short codes keep their text, so their commitments still check.
    assert canonical_ballot(4, [17, 3, 9], NONCE) == (
        "pb-ballot-v1|round=4|ranking=17,3,9|nonce=0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    assert canonical_ballot(1, [], "ab") == "pb-ballot-v1|round=1|ranking=|nonce=ab"


def test_commitment_is_sha256_of_the_canonical_text():
    text = b"pb-ballot-v2|round=4|receipt=K7QM-4TZP-9CX|ranking=17,3,9|nonce=0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    commitment = commitment_for(4, [17, 3, 9], NONCE, CODE)
    assert commitment == hashlib.sha256(text).hexdigest() == ballot_commitment(4, [17, 3, 9], NONCE, CODE)
    legacy = hashlib.sha256(b"pb-ballot-v1|round=4|ranking=17,3,9|nonce=" + NONCE.encode()).hexdigest()
    assert is_legacy_receipt(legacy) and not is_legacy_receipt(CODE)
    assert ballot_commitment(4, [17, 3, 9], NONCE, legacy) == legacy


def test_commitment_depends_on_order_round_receipt_and_nonce():
    commitment = commitment_for(4, [17, 3, 9], NONCE, CODE)
    assert commitment_for(4, [3, 17, 9], NONCE, CODE) != commitment
    assert commitment_for(5, [17, 3, 9], NONCE, CODE) != commitment
    assert commitment_for(4, [17, 3, 9], "1" * 32, CODE) != commitment
    assert commitment_for(4, [17, 3, 9], NONCE, "K7QM-4TZP-9CY") != commitment


@pytest.mark.parametrize("typed", ["K7QM-4TZP-9CX", "k7qm4tzp9cx", " K7QM 4TZP 9CX\n", "k7qm-4tzp-9cx", "K7Q M4T ZP9 CX"])
def test_normalise_accepts_spaces_dashes_and_small_letters(typed):
    assert normalise_receipt(typed) == CODE


def test_normalise_still_reads_a_64_character_receipt():
    legacy = hashlib.sha256(b"x").hexdigest()
    typed = " " + "-".join(legacy[i:i + 8].upper() for i in range(0, 64, 8)) + "\n"
    assert normalise_receipt(typed) == legacy
    assert normalise_receipt(" ".join(legacy[i:i + 4] for i in range(0, 64, 4))) == legacy


@pytest.mark.parametrize("code", ["", None, "   ", " - - ", "\t\n"])
def test_normalise_refuses_empty(code):
    with pytest.raises(ValidationFailed) as caught:
        normalise_receipt(code)
    assert caught.value.message == "Enter your receipt code."
    assert caught.value.field == "code"
    assert caught.value.errors == {"code": "Enter your receipt code."}


@pytest.mark.parametrize("code", ["K7QM-4TZP-9C", "K7QM-4TZP-9CXY", "K7QM-4TZP-9C!", "a" * 63, "g" * 64, "0x" + "a" * 62])
def test_normalise_refuses_wrong_length_or_characters(code):
    with pytest.raises(ValidationFailed) as caught:
        normalise_receipt(code)
    assert caught.value.message == WRONG_SHAPE
    assert caught.value.field == "code"


@pytest.mark.parametrize("code", ["K7QM-4TZP-9C0", "K7QM-4TZP-9CO", "I7QM-4TZP-9CX", "K7QM-4TZP-1CX", "K7QM-LTZP-9CX"])
def test_normalise_says_which_characters_codes_never_use(code):
    with pytest.raises(ValidationFailed) as caught:
        normalise_receipt(code)
    assert "never use the numbers 0 or 1 or the letters I, L or O" in caught.value.message


def test_format_receipt_groups_the_characters():
    assert format_receipt("K7QM4TZP9CX") == CODE
