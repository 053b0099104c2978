"""kb/data/grammar.toml: every pattern finds its examples and none of its non-examples; the loader composes
entries by name and refuses a name that is missing or names itself."""

from __future__ import annotations

import re

import pytest

import kb.grammar as grammar
from kb.grammar import FORMS, load_forms

PATTERNS = sorted(name for name, form in FORMS.items() if isinstance(form.value, re.Pattern))


@pytest.mark.parametrize("name", PATTERNS)
def test_pattern_finds_its_examples_and_not_its_non_examples(name):
    form = FORMS[name]
    assert form.examples, f"{name} has no examples"
    assert [e for e in form.examples if not form.value.search(e)] == []
    assert [e for e in form.non_examples if form.value.search(e)] == []


def test_entries_are_importable_by_name():
    from kb.grammar import DOC_TYPES, TITLE_GRAMMAR

    assert isinstance(TITLE_GRAMMAR, re.Pattern) and "通知" in DOC_TYPES
    assert "DATE_LINE" in dir(grammar)
    with pytest.raises(ImportError):
        from kb.grammar import NO_SUCH_FORM  # noqa: F401


def test_references_are_written_out_and_quantifiers_kept():
    forms = load_forms(
        "[A]\nchars = 'xy'\n[W]\nwords = ['a.b', 'c']\n[P]\npattern = ['^[{A}]{1,3}', '(?:{W})$']\nflags = ['M']\n",
        {},
    )
    assert forms["P"].value.pattern == r"^[xy]{1,3}(?:a\.b|c)$" and forms["P"].value.flags & re.M
    assert forms["W"].value == ("a.b", "c")
    given = load_forms("[P]\npattern = '[{N}]'\n", {"N": "一二"})
    assert given["P"].value.pattern == "[一二]"


@pytest.mark.parametrize("source", ["[P]\npattern = '{Q}'\n", "[P]\npattern = '{Q}'\n[Q]\npattern = 'a{P}'\n"])
def test_a_missing_or_circular_reference_is_refused(source):
    with pytest.raises(ValueError, match="grammar.toml"):
        load_forms(source, {})
