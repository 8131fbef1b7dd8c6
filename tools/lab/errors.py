"""The one error type the lab raises: a single line that says what to do."""


class LabError(Exception):
    """A failure the operator can fix; its message is one line: what is wrong and what to do."""
