"""lab up raises the host's inotify limits that are too low for many nodes, never lowers them, and says so."""

from tools.lab import preflight


def write_limits(directory, instances, watches):
    (directory / "max_user_instances").write_text(f"{instances}\n", encoding="ascii")
    (directory / "max_user_watches").write_text(f"{watches}\n", encoding="ascii")


def read_limit(directory, setting):
    return int((directory / setting).read_text(encoding="ascii"))


def test_a_kernel_default_limit_is_raised_and_reported(tmp_path):
    write_limits(tmp_path, 128, 8192)
    said = []
    preflight.raise_inotify_limits(log=said.append, directory=str(tmp_path))
    assert read_limit(tmp_path, "max_user_instances") == preflight.INOTIFY_LIMITS["max_user_instances"]
    assert read_limit(tmp_path, "max_user_watches") == preflight.INOTIFY_LIMITS["max_user_watches"]
    assert len(said) == 2 and "max_user_instances from 128 to" in said[0]


def test_a_higher_limit_is_left_alone_and_nothing_is_said(tmp_path):
    write_limits(tmp_path, 65536, 1048576)
    said = []
    preflight.raise_inotify_limits(log=said.append, directory=str(tmp_path))
    assert read_limit(tmp_path, "max_user_instances") == 65536
    assert read_limit(tmp_path, "max_user_watches") == 1048576
    assert not said
