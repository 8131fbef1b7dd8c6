"""Stand-in for ansible-test's pip bootstrap script (get-pip.py).

ansible-test downloads get-pip.py from ci-files.testing.ansible.com, which this
project's machines cannot reach. This script does the same job with what is
reachable: the interpreter's own ensurepip, then pip from PyPI at the versions
ansible-test asks for. scripts/sanity installs it into ansible-test's cache.
"""

import subprocess
import sys

# get-pip.py understands these two flags itself; pip does not.
OWN_FLAGS = ("--no-setuptools", "--no-wheel")


def main():
    """Install pip into this interpreter, then the requested packages."""
    args = [arg for arg in sys.argv[1:] if arg not in OWN_FLAGS]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade"] + args)


if __name__ == "__main__":
    main()
