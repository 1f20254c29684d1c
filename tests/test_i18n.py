"""Every text the code asks for exists in both languages, with the same placeholders."""

from __future__ import annotations

import re
import string

from components.i18n import TEXTS
from conftest import PROJECT_DIR

LITERAL_KEY = re.compile(r"""\bt\(\s*"([a-z0-9_.]+)\"""")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_literal_key_exists():
    sources = [p for folder in ("components", "app_pages") for p in (PROJECT_DIR / folder).glob("*.py")]
    sources.append(PROJECT_DIR / "dashboard.py")
    used = {key for path in sources for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))}
    assert used, "no keys found: the pattern is wrong"
    assert sorted(used - set(TEXTS)) == []


def test_both_languages_say_the_same_thing():
    for key, (indonesian, english) in TEXTS.items():
        assert indonesian.strip() and english.strip(), key
        assert placeholders(indonesian) == placeholders(english), key


def test_every_activity_type_and_flag_has_a_label():
    from queries.flags import FLAG_NAMES
    from queries.schema import ACTIVITY_TYPES

    assert all(f"activity.{kind}" in TEXTS for kind in ACTIVITY_TYPES)
    assert all(f"flag.{name}" in TEXTS for name in FLAG_NAMES)
    assert all(f"gap.{name}" in TEXTS for name in FLAG_NAMES if name != "late")
