#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throw-away stub used to check the test tooling."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: zz_tooling_stub
short_description: Throw-away stub for the test tooling
version_added: 0.1.0
description:
  - Returns its input. Exists only to exercise C(make sanity) and C(make lint).
options:
  name:
    description: A name to echo.
    type: str
    required: true
author:
  - snowspoke developers (@snowspoke)
"""

EXAMPLES = r"""
- name: Echo a name
  snowspoke.jira.zz_tooling_stub:
    name: demo
"""

RETURN = r"""
name:
  description: The name given.
  returned: always
  type: str
  sample: demo
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    """Module entry point."""
    module = AnsibleModule(argument_spec={'name': {'type': 'str', 'required': True}}, supports_check_mode=True)
    module.exit_json(changed=False, name=module.params['name'])


if __name__ == '__main__':
    main()
