import hashlib

import pytest

from pb.domain.errors import ValidationFailed
from pb.domain.receipts import CANONICAL_VERSION, canonical_ballot, normalise_receipt, receipt_for

NONCE = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
WRONG_SHAPE = ("Enter the receipt code exactly as it is printed: 64 characters, using the numbers 0 to 9 and "
               "the letters a to f.")


def test_canonical_ballot_text():
    assert CANONICAL_VERSION == "pb-ballot-v1"
    assert canonical_ballot(4, [17, 3, 9], NONCE) == (
        "pb-ballot-v1|round=4|ranking=17,3,9|nonce=0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    assert canonical_ballot("12", ("5",), "ab") == "pb-ballot-v1|round=12|ranking=5|nonce=ab"
    assert canonical_ballot(1, [], "ab") == "pb-ballot-v1|round=1|ranking=|nonce=ab"


def test_receipt_is_sha256_of_the_canonical_text():
    text = b"pb-ballot-v1|round=4|ranking=17,3,9|nonce=0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    receipt = receipt_for(4, [17, 3, 9], NONCE)
    assert receipt == hashlib.sha256(text).hexdigest()
    assert len(receipt) == 64


def test_receipt_depends_on_order_round_and_nonce():
    receipt = receipt_for(4, [17, 3, 9], NONCE)
    assert receipt_for(4, [3, 17, 9], NONCE) != receipt
    assert receipt_for(5, [17, 3, 9], NONCE) != receipt
    assert receipt_for(4, [17, 3, 9], "1" * 32) != receipt


def test_normalise_accepts_spaces_dashes_and_capitals():
    receipt = receipt_for(4, [17, 3, 9], NONCE)
    typed = " " + "-".join(receipt[i:i + 8].upper() for i in range(0, 64, 8)) + "\n"
    assert normalise_receipt(typed) == receipt
    spaced = " ".join(receipt[i:i + 4] for i in range(0, 64, 4))
    assert normalise_receipt(spaced) == receipt
    assert normalise_receipt(receipt) == receipt


@pytest.mark.parametrize("code", ["", None, "   ", " - - ", "\t\n"])
def test_normalise_refuses_empty(code):
    with pytest.raises(ValidationFailed) as caught:
        normalise_receipt(code)
    assert caught.value.message == "Enter your receipt code."
    assert caught.value.field == "code"
    assert caught.value.errors == {"code": "Enter your receipt code."}


@pytest.mark.parametrize("code", ["a" * 63, "a" * 65, "g" * 64, "0x" + "a" * 62, "a" * 63 + "!"])
def test_normalise_refuses_wrong_length_or_not_hex(code):
    with pytest.raises(ValidationFailed) as caught:
        normalise_receipt(code)
    assert caught.value.message == WRONG_SHAPE
    assert caught.value.field == "code"
