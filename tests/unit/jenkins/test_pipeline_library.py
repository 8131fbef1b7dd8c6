"""The Jenkins shared library roles/jenkins/files/pipeline_library under Groovy.

Each Groovy test script in tests/groovy/*Test.groovy runs as one pytest case (its own cases are listed in the output);
every vars/ and src/ file of the library, and of the example monorepo's jenkins/ copy, must compile; and the example's
jenkins/ folder must be the collection's library file for file.
"""
import filecmp
import glob
import os
import re

import pytest

from tests.unit.jenkins import groovy_runner

SUITES = sorted(os.path.basename(path) for path in glob.glob(os.path.join(groovy_runner.GROOVY_TESTS, '*Test.groovy')))
SUMMARY = re.compile(r'^(?P<suite>\w+): (?P<passed>\d+) passed, (?P<failed>\d+) failed$', re.MULTILINE)


def test_there_are_groovy_suites():
    assert SUITES == ['DetectChangesTest.groovy', 'DockerBuildTest.groovy', 'LibraryUnitTest.groovy']


@pytest.mark.parametrize('suite', SUITES)
def test_groovy_suite(suite):
    classpath = (groovy_runner.HARNESS, os.path.join(groovy_runner.LIBRARY, 'src'))
    result = groovy_runner.groovy_script(os.path.join('tests', 'groovy', suite), classpath=classpath)
    output = result.stdout + result.stderr
    summary = SUMMARY.search(result.stdout)
    assert summary, f'{suite} printed no summary (exit {result.returncode}):\n{output}'
    assert summary.group('failed') == '0' and result.returncode == 0, f'{suite} failed:\n{output}'
    assert int(summary.group('passed')) >= 5, output
    assert 'not ok - ' not in result.stdout


@pytest.mark.parametrize('library', [groovy_runner.LIBRARY, os.path.join(groovy_runner.EXAMPLE, 'jenkins')], ids=['collection', 'example-monorepo'])
def test_every_library_file_compiles(library, tmp_path):
    sources = sorted(glob.glob(os.path.join(library, 'vars', '*.groovy')) + glob.glob(os.path.join(library, 'src', '**', '*.groovy'), recursive=True))
    assert len(sources) >= 7, sources
    result = groovy_runner.run([groovy_runner.tool('groovyc'), '-d', str(tmp_path), '-cp', os.path.join(library, 'src'), *sources], timeout=300)
    assert result.returncode == 0, f'groovyc failed:\n{result.stdout}{result.stderr}'
    for source in sources:
        name = os.path.splitext(os.path.basename(source))[0]
        compiled = glob.glob(os.path.join(str(tmp_path), '**', f'{name}.class'), recursive=True)
        assert compiled, f'{source} produced no {name}.class'


def _tree(top):
    files = {}
    for folder, _dirs, names in os.walk(top):
        for name in names:
            path = os.path.join(folder, name)
            files[os.path.relpath(path, top)] = path
    return files


def test_example_jenkins_folder_is_the_collection_library():
    """docs/examples/monorepo/jenkins/ is what a user copies into the monorepo: it must not drift from the collection's."""
    library = _tree(groovy_runner.LIBRARY)
    example = _tree(os.path.join(groovy_runner.EXAMPLE, 'jenkins'))
    assert sorted(example) == sorted(library), 'run: rsync -a --delete roles/jenkins/files/pipeline_library/ docs/examples/monorepo/jenkins/'
    differing = [name for name in library if not filecmp.cmp(library[name], example[name], shallow=False)]
    assert not differing, f'differ from the collection library: {differing}; run: rsync -a --delete roles/jenkins/files/pipeline_library/ ' \
                          'docs/examples/monorepo/jenkins/'


def test_example_jenkinsfiles_are_one_line():
    for service in ('frontend', 'backend'):
        with open(os.path.join(groovy_runner.EXAMPLE, service, 'Jenkinsfile'), encoding='utf-8') as handle:
            lines = handle.read().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"dockerBuild(service: '{service}'"), lines
