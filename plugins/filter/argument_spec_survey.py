# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn roles' meta/argument_specs.yml options into an AWX / Automation Controller survey_spec.

Used by the role baremetal.platform.controller_config: surveys are generated from the specs, never kept by hand.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

INTEGER_MIN = -2147483648
INTEGER_MAX = 2147483647
TEXT_MAX = 1024
TEXTAREA_MAX = 4096
MARKUP = re.compile(r'\b[CIOVMBEP]\(([^)]*)\)')
# A list question is asked as <variable>_survey_lines: AWX hands the answer over as an extra var, text with one
# item per line, and extra vars outrank everything, so the role variable itself could never become a list.
# playbooks/survey_answers.yml turns each answer into the list <variable> (filter survey_lines).
SURVEY_LINES_SUFFIX = '_survey_lines'


def _plain(text):
    """Spec markup (C(x), O(y), V(z)) as plain text, one paragraph."""
    if isinstance(text, (list, tuple)):
        text = ' '.join(str(part) for part in text)
    return ' '.join(MARKUP.sub(r'\1', str(text or '')).split())


def _is_template(value):
    return isinstance(value, string_types) and ('{{' in value or '{%' in value)


def _offered_default(spec, defaults, variable):
    """(True, value) when the spec default can be offered to a survey, else (False, None)."""
    if 'default' not in spec or spec['default'] is None or _is_template(spec['default']):
        return False, None
    if defaults and variable in defaults and defaults[variable] != spec['default']:
        return False, None  # the spec documents in words what the role computes
    return True, spec['default']


def _question(variable, spec, defaults, overrides):
    kind = spec.get('type', 'str')
    elements = spec.get('elements')
    item = {
        'variable': variable,
        'question_name': overrides.get('question_name') or variable,
        'question_description': _plain(spec.get('description')),
        'required': bool(overrides.get('required', spec.get('required', False))),
    }
    has_default, default = _offered_default(spec, defaults, variable)
    if spec.get('no_log'):
        if kind not in ('str', 'path'):
            raise AnsibleFilterError('%s: no_log options of type %s cannot be a password question' % (variable, kind))
        item.update(type='password', min=0, max=TEXT_MAX, default='')
        return item
    if spec.get('choices'):
        if kind == 'list':
            raise AnsibleFilterError('%s: a list with choices cannot be surveyed (multiselect answers are not checked here)' % variable)
        choices = [str(choice) for choice in spec['choices']]
        item.update(type='multiplechoice', choices=choices)
        if has_default and str(default) in choices:
            item['default'] = str(default)
        return item
    if kind == 'bool':
        item.update(type='multiplechoice', choices=['true', 'false'])
        if has_default:
            item['default'] = 'true' if default in (True, 'true', 'yes', 1) else 'false'
        return item
    if kind == 'int':
        minimum = int(overrides.get('min', 0 if not has_default or int(default) >= 0 else INTEGER_MIN))
        maximum = int(overrides.get('max', INTEGER_MAX))
        item.update(type='integer', min=minimum, max=maximum)
        if has_default:
            item['default'] = int(default)
        return item
    if kind in ('str', 'path'):
        item.update(type='text', min=int(overrides.get('min', 0)), max=int(overrides.get('max', TEXT_MAX)))
        if has_default:
            item['default'] = str(default)
        return item
    if kind == 'list' and elements in (None, 'str', 'path'):
        item.update(variable=variable + SURVEY_LINES_SUFFIX, type='textarea', min=int(overrides.get('min', 0)), max=int(overrides.get('max', TEXTAREA_MAX)))
        if has_default:
            item['default'] = '\n'.join(str(entry) for entry in default)
        return item
    raise AnsibleFilterError(
        '%s: type %s%s cannot be a survey question (surveys ask text, integers, choices and lists of strings); '
        'set it in the inventory instead' % (variable, kind, ' of %s' % elements if elements else ''))


def argument_spec_survey(options, questions, defaults=None, name='', description='', duplicates='fail'):
    """The survey_spec asking ``questions`` (variable names or mappings), typed from ``options``.

    ``duplicates='first'`` keeps the first question for a variable asked more than once (a workflow's survey
    gathers the questions of all its job templates); ``'fail'`` refuses it.
    """
    if not isinstance(options, dict):
        raise AnsibleFilterError('argument_spec_survey expects the argument spec options (a mapping), got %s' % type(options).__name__)
    if not isinstance(questions, list):
        raise AnsibleFilterError('argument_spec_survey expects a list of questions, got %s' % type(questions).__name__)
    spec = []
    seen = set()
    for entry in questions:
        overrides = dict(entry) if isinstance(entry, dict) else {'variable': entry}
        variable = overrides.get('variable')
        if not isinstance(variable, string_types) or not variable:
            raise AnsibleFilterError('every survey question needs a variable name, got %r' % (entry,))
        if variable in seen:
            if duplicates == 'first':
                continue
            raise AnsibleFilterError('%s is asked twice in one survey' % variable)
        seen.add(variable)
        if variable not in options:
            raise AnsibleFilterError('%s is in no argument spec of this phase\'s roles; ask only role variables' % variable)
        spec.append(_question(variable, options[variable], defaults or {}, overrides))
    return {'name': name, 'description': description, 'spec': spec}


def survey_lines(answer):
    """A list question's answer as the list: text gives one item per non-empty line (trimmed); a list stays."""
    if answer is None:
        return []
    if isinstance(answer, (list, tuple)):
        return list(answer)
    if isinstance(answer, string_types):
        return [line.strip() for line in answer.splitlines() if line.strip()]
    raise AnsibleFilterError('survey_lines expects the text of a survey answer (or a list), got %s' % type(answer).__name__)


class FilterModule(object):
    """AWX surveys from argument specs, and list answers back into lists."""

    def filters(self):
        return {'argument_spec_survey': argument_spec_survey, 'survey_lines': survey_lines}
