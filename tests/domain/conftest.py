"""Helpers for the domain tests: pure functions, no app or database."""
from __future__ import annotations

import pytest

from pb.domain.errors import ValidationFailed


def refusal(check, *args, **kwargs) -> ValidationFailed:
    """The ValidationFailed that `check(*args, **kwargs)` must raise."""
    with pytest.raises(ValidationFailed) as caught:
        check(*args, **kwargs)
    return caught.value
