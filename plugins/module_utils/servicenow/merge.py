# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Duplicates that concurrent runs made, merged: how several runs of the set-up on one instance end with one set.

ServiceNow has no unique key on a name, and a Table API insert cannot be made conditional, so two runs started
together can each find no registry (credential, connection, child alias) and each create one. Instead of a lock
(which a crashed run would leave behind), the set-up detects such duplicates in its first read and merges them:

- duplicates are merged only when every one of them is what the set-up wants (its managed fields equal the
  desired values, references compared after merging) and nothing but the set-up's own records refers to them;
- the oldest one (``sys_created_on``, then ``sys_id``) is kept - every run picks the same one - and the others are
  removed with what hangs from them, once the set-up's records point at the one kept;
- duplicates that differ in content stop the run, listing their sys_ids, as before: that is not a race but a
  decision for an administrator.

Each merge is one line in the task's result (``merged``) and its removals are ordinary entries of ``changes``.
"""

from __future__ import annotations

from .query import to_snow


def oldest(rows):
    return min(rows, key=lambda row: (row.get("sys_created_on") or "", row["sys_id"]))


def same(row, desired, mapping=None):
    """Whether ``row`` holds ``desired`` ({field: value}), its references read through ``mapping`` (loser -> kept)."""
    mapping = mapping or {}
    for field, value in desired.items():
        if value is None:
            continue
        actual = row.get(field)
        if (mapping.get(actual, actual) or "") != (to_snow(value) or ""):
            return False
    return True


class Merges:
    """The merges of one run: which records are kept, which go, and the sentence for each."""

    def __init__(self, host):
        self.host = host
        self.kept = {}  # loser sys_id -> kept sys_id
        self.losers = []  # (table, label, record) to remove once the set-up's records point at the kept ones
        self.lines = []

    def pick(self, table, label, rows, desired, mapping=None):
        """The rows to act on: the one kept when ``rows`` are mergeable duplicates, else ``rows`` unchanged (one row,
        none, or duplicates that differ: the reconciler then stops naming them)."""
        if len(rows) < 2 or not all(same(row, desired, mapping or self.kept) for row in rows):
            return rows
        kept = oldest(rows)
        losers = [row for row in rows if row["sys_id"] != kept["sys_id"]]
        for row in losers:
            self.kept[row["sys_id"]] = kept["sys_id"]
            self.losers.append((table, label, row))
        self.lines.append("Merged %d %s records named %r on %s that runs at the same time made: kept %s (the oldest), "
                          "removed %s." % (len(rows), label, kept.get("name"), self.host, kept["sys_id"],
                                           ", ".join(row["sys_id"] for row in losers)))
        return [kept]

    def mapped(self, sys_id):
        return self.kept.get(sys_id, sys_id)

    def lost(self, table):
        """The records of ``table`` being merged away."""
        return [row for loser_table, _label, row in self.losers if loser_table == table]
