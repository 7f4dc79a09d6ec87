# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads gathered from every part of a task, sent together: one Batch API round trip per round.

A part (the pre-flight, a site's registry, its credential, ...) names what it needs by a key; the reads of one
round go out in one ``list_many`` call and each part picks its answers by key. Records are found by name in the
first round (dot-walking through references: the scopes of a registry are ``oauth_entity.name=<name>``), so
everything one set-up owns is read in one round trip; a second round holds what needs a sys_id from the first.
"""

from __future__ import annotations


class Reads:
    """Named reads of one round. ``add(key, table, query, fields)``; ``fetch(client)`` -> {key: rows}. A
    ``tolerant`` read answers its error (refused, or rows that did not match it) in place of rows instead of
    raising: the pre-flight reports such a read as a problem among others."""

    def __init__(self):
        self._items = []
        self._tolerant = set()

    def add(self, key, table, query, fields, limit=None, tolerant=False):
        self._items.append((key, (table, query, sorted(set(fields) | {"sys_id"}), limit)))
        if tolerant:
            self._tolerant.add(key)
        return self

    def extend(self, other):
        self._items.extend(other._items)  # pylint: disable=protected-access
        self._tolerant |= other._tolerant  # pylint: disable=protected-access
        return self

    def __len__(self):
        return len(self._items)

    def fetch(self, client):
        """The answers by key: each a list of records (a tolerant read's error in its place)."""
        if not self._items:
            return {}
        keys = [key for key, _read in self._items]
        if len(set(keys)) != len(keys):
            raise ValueError("internal: a read key is used twice in one round: %s" % keys)
        answers = client.list_many([read for _key, read in self._items], return_errors=True)
        for key, answer in zip(keys, answers):
            if isinstance(answer, Exception) and key not in self._tolerant:
                raise answer
        return dict(zip(keys, answers))
