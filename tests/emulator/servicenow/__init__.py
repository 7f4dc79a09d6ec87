"""Emulated ServiceNow fleet for the emulator front: many instances, each with its own data, speaking the
Table API, Batch API, oauth_token.do and the OAuth consent flow of the Jira spoke set-up."""

from .app import ServiceNowFleet
from .instance import Instance
from .rules import RuleAbort

__all__ = ["ServiceNowFleet", "Instance", "RuleAbort"]
