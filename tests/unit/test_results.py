"""ServiceResultSet: nested keys and repeated keys."""

from __future__ import annotations

import pytest

from holmeslibrary import ServiceResultSet


def test_nested_keys_and_repeated_values_become_lists() -> None:
    results = ServiceResultSet()
    results.add("imports", "kernel32.dll", "CreateFileA")
    results.add("imports", "kernel32.dll", "ReadFile")
    results.add("imports", "kernel32.dll", "WriteFile")
    results.add("imports", "user32.dll", "MessageBoxA")
    results.add("entrypoint", 4096)
    assert results.to_dict() == {
        "imports": {"kernel32.dll": ["CreateFileA", "ReadFile", "WriteFile"], "user32.dll": "MessageBoxA"},
        "entrypoint": 4096,
    }


def test_a_value_and_keys_under_the_same_name_conflict() -> None:
    results = ServiceResultSet()
    results.add("a", 1)
    with pytest.raises(ValueError, match="already holds a value"):
        results.add("a", "b", 2)
    results.add("c", "d", 3)
    with pytest.raises(ValueError, match="already holds keys"):
        results.add("c", 4)


def test_add_needs_a_key_and_a_value() -> None:
    with pytest.raises(TypeError):
        ServiceResultSet().add("only")
