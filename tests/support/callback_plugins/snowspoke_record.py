"""Test callback: append every task result as one JSON line to $SNOWSPOKE_RECORD (results as Ansible shows them,
after no_log censoring), so tests assert on structured results instead of parsing the screen."""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: snowspoke_record
type: notification
short_description: write task results as JSON lines (tests only)
description: Writes each task result to the file named by the SNOWSPOKE_RECORD environment variable.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "snowspoke_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.path = os.environ.get("SNOWSPOKE_RECORD")
        self.play = 0
        self.play_started = None

    def _write(self, result, status):
        if not self.path:
            return
        entry = {
            "host": result._host.get_name(),  # pylint: disable=protected-access
            "task": result._task.get_name(),  # pylint: disable=protected-access
            "action": result._task.action,  # pylint: disable=protected-access
            "status": status,
            "result": result._result,  # pylint: disable=protected-access
            "play": self.play,
            "play_started": self.play_started,
            "time": time.time(),
        }
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_playbook_on_play_start(self, play):
        # Plays are numbered from 1, with the time each started: tests split a multi-play run and its writes by play.
        self.play += 1
        self.play_started = time.time()

    def v2_runner_on_ok(self, result):
        self._write(result, "changed" if result._result.get("changed") else "ok")  # pylint: disable=protected-access

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable")
