# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module attributes shared by the collection's modules: one fragment for what a module does (writes or only
reads), one for the action group it belongs to; a module combines one of each."""

from __future__ import annotations


class ModuleDocFragment:
    # Modules that change records: full check mode (no write, exact prediction) and diff (secrets masked).
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: Check mode makes no write at all (only reads) and predicts C(changed) exactly as a real run reports it.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: full
    details: Secret fields are shown masked, never in clear text or in their encrypted form.
"""

    # Read-only modules.
    INFO_MODULE = r"""
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: This module only reads; it returns the same facts in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
"""

    SERVICENOW_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/snowspoke.jira.servicenow) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - snowspoke.jira.servicenow
"""

    JIRA_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/snowspoke.jira.jira) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - snowspoke.jira.jira
"""
