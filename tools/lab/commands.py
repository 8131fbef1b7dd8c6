"""Running host commands; a failure becomes a one-line LabError."""

import subprocess

from tools.lab.errors import LabError


def run(argv, check=True, timeout=120, stdin=None):
    """Run ``argv``; return the CompletedProcess (text). With ``check``, fail with its stderr."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False, stdin=stdin)
    except FileNotFoundError as error:
        raise LabError(f"{argv[0]} is not installed: run scripts/setup as root (or apt-get install it)") from error
    except subprocess.TimeoutExpired as error:
        raise LabError(f"{' '.join(argv)} did not finish within {timeout}s") from error
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise LabError(f"{' '.join(argv)} failed: {detail[-1] if detail else 'exit ' + str(result.returncode)}")
    return result
