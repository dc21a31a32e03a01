"""The shipped catalogs: complete, nothing fuzzy, the same placeholders as the English, and they compile."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from pb import i18n
from tests.pseudo_locale import extract_messages

# The languages pb ships, with the English source: Hackney's main languages after English.
SHIPPED = ["bn", "es", "pl", "tr", "yi"]
PLACEHOLDER = re.compile(r"%\(([a-z_0-9]+)\)[sd]")


@pytest.fixture(scope="module")
def source():
    return {m.id: m for m in extract_messages() if m.id}


def _catalog(code: str):
    path = Path(i18n.TRANSLATIONS_DIR) / code / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as f:
        return read_po(f, locale=code)


def test_pb_ships_its_languages():
    assert i18n.catalog_codes() == SHIPPED


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


@pytest.mark.parametrize("code", SHIPPED)
def test_each_catalog_translates_every_message_with_the_same_placeholders(source, code):
    catalog = _catalog(code)
    missing, fuzzy, wrong = [], [], []
    for msgid, original in source.items():
        message = catalog.get(msgid, context=original.context)
        if message is None or not all(form and form.strip() for form in _forms(message)):
            missing.append(msgid)
            continue
        if message.fuzzy:
            fuzzy.append(msgid)
        sources = original.id if isinstance(original.id, tuple) else (original.id,)
        expected = set().union(*(set(PLACEHOLDER.findall(s)) for s in sources))
        for form in _forms(message):
            # A plural form may leave out the number (Turkish "1 proje" and "%(num)s proje" alike).
            if set(PLACEHOLDER.findall(form)) - expected or (expected - {"num"}) - set(PLACEHOLDER.findall(form)):
                wrong.append((msgid, form))
    assert not missing, f"{code}: {len(missing)} messages not translated, e.g. {missing[:5]}"
    assert not fuzzy, f"{code}: {len(fuzzy)} fuzzy messages, e.g. {fuzzy[:5]}"
    assert not wrong, f"{code}: placeholders differ from the English: {wrong[:5]}"


@pytest.mark.parametrize("code", SHIPPED)
def test_each_catalog_compiles_without_errors(code, tmp_path):
    catalog = _catalog(code)
    problems = [(m.id, str(e)) for m, errors in catalog.check() for e in errors]
    assert not problems, problems[:5]
    assert catalog.num_plurals >= 1 and catalog.plural_expr
