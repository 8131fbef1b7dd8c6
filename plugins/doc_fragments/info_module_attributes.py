# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The attributes every read-only ``*_info`` module of this collection shares."""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """check_mode and diff_mode of a module that only reads."""

    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: Reads only, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is no diff.
"""
