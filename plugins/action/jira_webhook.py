# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs snowspoke.jira.jira_webhook on the controller (see plugin_utils/controller.py); its documentation is the module's."""

from __future__ import annotations

from ansible_collections.snowspoke.jira.plugins.module_utils.jira import webhook
from ansible_collections.snowspoke.jira.plugins.module_utils.jira.options import JIRA
from ansible_collections.snowspoke.jira.plugins.plugin_utils.controller import ControllerAction


class ActionModule(ControllerAction):
    LOGIC = webhook
    CONNECTION = JIRA
