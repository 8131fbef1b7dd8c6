# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the postgres_credentials_info module and hides its result from the output when it holds the password.

A module cannot mark its own return values as no_log; an action plugin can: ``_ansible_no_log`` makes Ansible
censor the result for every callback and verbosity, while the registered variable keeps the values.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    """postgres_credentials_info with the result censored when include_password is true."""

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        module_result = self._execute_module(module_name='baremetal.platform.postgres_credentials_info',
                                             module_args=self._task.args, task_vars=task_vars)
        result.update(module_result)
        if boolean(self._task.args.get('include_password', False), strict=False):
            result['_ansible_no_log'] = True
        return result
