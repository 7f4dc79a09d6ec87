# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One table of options, three products: the argument spec, the environment fallbacks and the documentation.

A connection's options (the ServiceNow ``instance``, the Atlassian ``jira`` connection) are written once as an
OptionTable. ``argument_spec()`` feeds AnsibleModule (env fallbacks included); ``documentation()`` gives the
doc-fragment data that ``tools/gen_doc_fragments.py`` writes into ``plugins/doc_fragments/`` (a unit test keeps
the committed fragment equal to the table).
"""

from __future__ import annotations

import os

from ansible.module_utils.basic import AnsibleFallbackNotFound


def env_fallback(*names):
    """The first of the environment variables that is set and not empty.

    Unlike ansible.module_utils.basic.env_fallback, an empty value counts as unset: AWX injects every variable of a
    credential type, as "" when the field was left blank, and "" is not a valid float, bool or choice.
    """
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


class Option:
    """One option: its type, default, environment variables, secrecy and description (a list of sentences)."""

    def __init__(self, name, type="str", description=(), env=(), default=None, no_log=False, choices=None,
                 aliases=(), elements=None, required=False):
        self.name = name
        self.type = type
        self.description = [description] if isinstance(description, str) else list(description)
        self.env = tuple(env)
        self.default = default
        self.no_log = no_log
        self.choices = list(choices) if choices else None
        self.aliases = list(aliases)
        self.elements = elements
        self.required = required

    def spec(self):
        spec = {"type": self.type}
        if self.default is not None:
            spec["default"] = self.default
        if self.no_log:
            spec["no_log"] = True
        elif self.type == "str" and any(word in self.name for word in ("token", "secret", "password", "key")):
            spec["no_log"] = False  # says so explicitly: the name looks secret but the value is not
        if self.choices:
            spec["choices"] = list(self.choices)
        if self.aliases:
            spec["aliases"] = list(self.aliases)
        if self.elements:
            spec["elements"] = self.elements
        if self.required:
            spec["required"] = True
        if self.env:
            spec["fallback"] = (env_fallback, list(self.env))
        return spec

    def doc(self):
        description = list(self.description)
        if self.env:
            names = " or ".join("C(%s)" % name for name in self.env)
            description.append("If not set, the value of the %s environment variable is used." % names)
        doc = {"description": description, "type": self.type}
        if self.required:
            doc["required"] = True
        if self.default is not None:
            doc["default"] = self.default
        if self.choices:
            doc["choices"] = list(self.choices)
        if self.aliases:
            doc["aliases"] = list(self.aliases)
        if self.elements:
            doc["elements"] = self.elements
        return doc


class OptionTable:
    """A named dict option made of Options, e.g. ``instance`` with ``host``, ``username``, ...

    ``flat``: the options are top-level module options instead of a dict (``name`` then only names the table).
    ``mutually_exclusive``/``required_together`` apply inside the dict (flat tables: give them to the module). The table also knows which options are
    secrets, so messages and logs can be checked against them.
    """

    def __init__(self, name, description, options, mutually_exclusive=(), required_together=(), flat=False):
        self.name = name
        self.flat = flat
        self.description = [description] if isinstance(description, str) else list(description)
        self.options = list(options)
        self.mutually_exclusive = [list(group) for group in mutually_exclusive]
        self.required_together = [list(group) for group in required_together]

    def __getitem__(self, name):
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(name)

    def only(self, names, name=None, description=None):
        """A table of some of these options (the same Option objects: one source for both)."""
        return OptionTable(name or self.name, description or self.description,
                           [option for option in self.options if option.name in names], flat=self.flat)

    @property
    def secret_names(self):
        return [option.name for option in self.options if option.no_log]

    def argument_spec(self):
        """``{name: {type: dict, options: ..., apply_defaults: True}}``: env fallbacks work even when the whole
        dict is omitted (an AWX credential injecting SN_* variables)."""
        options = dict((option.name, option.spec()) for option in self.options)
        if self.flat:
            return options
        spec = {
            "type": "dict",
            "apply_defaults": True,
            "options": options,
        }
        if self.mutually_exclusive:
            spec["mutually_exclusive"] = [list(group) for group in self.mutually_exclusive]
        if self.required_together:
            spec["required_together"] = [list(group) for group in self.required_together]
        return {self.name: spec}

    def documentation(self):
        """The doc-fragment ``options`` mapping for this table."""
        if self.flat:
            return dict((option.name, option.doc()) for option in self.options)
        return {
            self.name: {
                "description": list(self.description),
                "type": "dict",
                "suboptions": dict((option.name, option.doc()) for option in self.options),
            }
        }
