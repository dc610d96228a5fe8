"""ServiceResultSet: build a nested result from flat observations, as parsers produce them."""

from __future__ import annotations

from typing import Any


class ServiceResultSet:
    """A result builder: ``add(*keys, value)`` files value under the nested keys.

    Adding under the same keys again turns the value into a list, so a parser can report each
    finding as it meets it::

        results = ServiceResultSet()
        results.add("imports", "kernel32.dll", "CreateFileA")
        results.add("imports", "kernel32.dll", "ReadFile")
        results.to_dict()  # {"imports": {"kernel32.dll": ["CreateFileA", "ReadFile"]}}
    """

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._lists: set[tuple[str, ...]] = set()

    def add(self, *keys_and_value: Any) -> None:
        if len(keys_and_value) < 2:
            raise TypeError("add() needs at least one key and a value")
        *keys, value = keys_and_value
        path = tuple(str(key) for key in keys)
        node = self._data
        for depth, key in enumerate(path[:-1]):
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                raise ValueError(f"{'/'.join(path[: depth + 1])} already holds a value, not keys")
            node = child
        last = path[-1]
        if last not in node:
            node[last] = value
        elif path in self._lists:
            node[last].append(value)
        elif isinstance(node[last], dict):
            raise ValueError(f"{'/'.join(path)} already holds keys, not a value")
        else:
            node[last] = [node[last], value]
            self._lists.add(path)

    def to_dict(self) -> dict[str, Any]:
        return self._data
