"""Loaded by every Python process the tests start (PYTHONPATH): refuse network connections off loopback.

The tests reach emulated hosts through the emulator's proxy on 127.0.0.1; a misconfigured test must fail loudly
here instead of reaching a real ServiceNow instance or Atlassian site.
"""

import os
import socket

from tests_loopback_guard import install  # noqa: F401  pylint: disable=unused-import

if os.environ.get("SNOWSPOKE_LOOPBACK_ONLY") == "1":
    install(socket)
