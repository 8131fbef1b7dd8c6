"""Run Groovy (Debian's groovy package, the Groovy 2.4 line Jenkins itself embeds) for the pipeline library tests."""
import os
import shutil
import subprocess

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
GROOVY_TESTS = os.path.join(REPO_ROOT, 'tests', 'groovy')
HARNESS = os.path.join(GROOVY_TESTS, 'harness')
LIBRARY = os.path.join(REPO_ROOT, 'roles', 'jenkins', 'files', 'pipeline_library')
EXAMPLE = os.path.join(REPO_ROOT, 'docs', 'examples', 'monorepo')


def tool(name):
    """Path of groovy or groovyc; a missing one fails the test saying how to install it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: apt-get install groovy default-jre-headless (or run scripts/setup as root); "
                    "the pipeline library's tests run under Groovy")
    return path


def environment(extra=None):
    """The environment for groovy: JAVA_HOME from the java on PATH when Debian's default-java link is missing."""
    env = dict(os.environ, DOCKERBUILD_GROOVY_TESTS=GROOVY_TESTS)
    if not env.get('JAVA_HOME') and not os.path.exists('/usr/lib/jvm/default-java/bin/java'):
        java = shutil.which('java')
        if java is None:
            pytest.fail('java is not installed: apt-get install default-jre-headless (or run scripts/setup as root)')
        env['JAVA_HOME'] = os.path.dirname(os.path.dirname(os.path.realpath(java)))
    env.update(extra or {})
    return env


def run(argv, timeout=900, extra_env=None):
    """Run a groovy/groovyc command line from the repository root; the CompletedProcess."""
    return subprocess.run(argv, cwd=REPO_ROOT, env=environment(extra_env), capture_output=True, text=True, timeout=timeout, check=False)


def groovy_script(script, *arguments, classpath=(HARNESS,), timeout=900, extra_env=None):
    """groovy -cp CLASSPATH SCRIPT ARGS..."""
    return run([tool('groovy'), '-cp', os.pathsep.join(classpath), script, *arguments], timeout=timeout, extra_env=extra_env)
