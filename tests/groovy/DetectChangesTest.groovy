// resources/baremetal/pipeline/detect-changes.sh on its own, in a real git repository (renames, deletions,
// merges, rewritten history).
//   groovy -cp tests/groovy/harness tests/groovy/DetectChangesTest.groovy
import pipelinetest.JenkinsTestDouble
import pipelinetest.Monorepo
import pipelinetest.TestRunner

import groovy.transform.Field

TestRunner runner = new TestRunner('DetectChangesTest', args)
@Field File SCRIPT = new File(JenkinsTestDouble.COLLECTION_LIBRARY, 'resources/baremetal/pipeline/detect-changes.sh')

List<String> detect(Monorepo repo, String base, String head, List<String> paths) {
    Process process = (['sh', SCRIPT.path, base, head] + paths).execute(null as List, repo.dir)
    StringBuffer out = new StringBuffer()
    StringBuffer err = new StringBuffer()
    process.waitForProcessOutput(out, err)
    assert process.exitValue() == 0: "detect-changes.sh failed: ${err}"
    return out.toString().readLines()
}

void withRepo(Closure body) {
    Monorepo repo = new Monorepo()
    try {
        body(repo)
    } finally {
        repo.close()
    }
}

runner.test('a deleted or renamed file under the service counts as a change') {
    withRepo { Monorepo repo ->
        String base = Monorepo.git(repo.dir, 'rev-parse', 'master').trim()
        Monorepo.git(repo.dir, 'checkout', '-q', 'master')
        Monorepo.git(repo.dir, 'mv', 'frontend/src/index.html', 'frontend/src/home.html')
        Monorepo.git(repo.dir, 'commit', '-q', '-m', 'rename')
        String renamed = Monorepo.git(repo.dir, 'rev-parse', 'HEAD').trim()
        assert detect(repo, base, renamed, ['frontend/', 'jenkins/'])[0..1] == ['build', "2 file(s) under frontend/ jenkins/ changed since the last successful build (${base[0..6]})"]
        assert detect(repo, base, renamed, ['backend/', 'jenkins/'])[0] == 'skip'
        Monorepo.git(repo.dir, 'rm', '-q', 'backend/k8s/backend-settings.yml')
        Monorepo.git(repo.dir, 'commit', '-q', '-m', 'drop settings')
        assert detect(repo, renamed, 'HEAD', ['backend/'])[0] == 'build'
    }
}

runner.test('a folder whose name starts like the service is not the service') {
    withRepo { Monorepo repo ->
        String base = Monorepo.git(repo.dir, 'rev-parse', 'master').trim()
        String head = repo.touch('master', 'frontend-admin/Dockerfile', 'another service')
        assert detect(repo, base, head, ['frontend/', 'jenkins/'])[0] == 'skip'
        assert detect(repo, base, head, ['frontend-admin/', 'jenkins/'])[0] == 'build'
    }
}

runner.test('a merge brings the merged branch\'s changes; the changelog has no merge commits') {
    withRepo { Monorepo repo ->
        String base = Monorepo.git(repo.dir, 'rev-parse', 'staging').trim()
        repo.touch('feature/login', 'frontend/src/index.html', 'frontend: login')
        Monorepo.git(repo.dir, 'checkout', '-q', 'staging')
        repo.touch('staging', 'backend/src/health.json', 'backend: health')
        Monorepo.git(repo.dir, 'merge', '-q', '--no-ff', '-m', 'Merge feature/login', 'feature/login')
        List<String> out = detect(repo, base, 'HEAD', ['frontend/', 'jenkins/'])
        assert out[0] == 'build' && out.size() == 3 && out[2].endsWith('frontend: login (Test Developer)')
    }
}

runner.test('a base commit that is not in the clone (rewritten history) builds to be safe') {
    withRepo { Monorepo repo ->
        List<String> out = detect(repo, '0123456789abcdef0123456789abcdef01234567', 'master', ['frontend/'])
        assert out[0] == 'build' && out[1].contains('is not in this clone')
    }
}

runner.test('a head that is not in the clone is an error, not a decision') {
    withRepo { Monorepo repo ->
        Process process = ['sh', SCRIPT.path, '', '0123456789abcdef0123456789abcdef01234567', 'frontend/'].execute(null as List, repo.dir)
        StringBuffer out = new StringBuffer()
        StringBuffer err = new StringBuffer()
        process.waitForProcessOutput(out, err)
        assert process.exitValue() == 2 && err.toString().contains('is not in this clone') && !out
    }
}

System.exit(runner.finish())
