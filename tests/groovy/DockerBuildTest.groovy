// dockerBuild end to end under the JenkinsTestDouble: the example monorepo in a real git repository, the library
// loaded from its jenkins/ folder, the services' real one-line Jenkinsfiles, real sh and real git.
//   groovy -cp tests/groovy/harness tests/groovy/DockerBuildTest.groovy [NAME-SUBSTRING...]
import pipelinetest.JenkinsTestDouble
import pipelinetest.Monorepo
import pipelinetest.PipelineRunTestDouble
import pipelinetest.TestRunner

TestRunner runner = new TestRunner('DockerBuildTest', args)

/** A fresh monorepo and Jenkins for one case; both are removed afterwards, also when the case fails. */
void withMonorepo(Closure body) {
    Monorepo repo = new Monorepo()
    JenkinsTestDouble jenkins = new JenkinsTestDouble()
    try {
        body(repo, jenkins)
    } finally {
        jenkins.close()
        repo.close()
    }
}

void succeeded(PipelineRunTestDouble run) {
    assert run.result == 'SUCCESS': "build ${run.job} #${run.number} failed: ${run.failure}\n${run.logText()}"
}

runner.test('feature branch builds the Dockerfile but does not push or deploy') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'feature/login', repo: repo)
        succeeded(run)
        assert run.stages == ['Changes', 'Build', 'Push', 'Deploy']
        assert run.builds() == [[image: 'registry.test.invalid:5000/frontend:v_1', push: false, context: 'frontend']]
        assert run.kubectlCalls == []
        assert run.logText().contains("branch 'feature/login' does not push")
        assert run.logText().contains("branch 'feature/login' does not deploy")
        assert run.discord.size() == 1 && run.discord[0].description.contains('started on branch `feature/login`')
        assert run.currentBuild.description == 'built, not pushed'
    }
}

runner.test('staging builds, pushes and deploys to namespace staging with server-side apply') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo, buildNumber: 7)
        succeeded(run)
        String image = 'registry.test.invalid:5000/frontend:v_7'
        assert run.builds() == [[image: image, push: false, context: 'frontend'], [image: image, push: true, context: null]]
        assert run.shScripts('kaniko').size() == 1 && run.shScripts('crane').size() == 1
        assert run.kubectlCalls.size() == 1
        List<String> apply = run.kubectlCalls[0]
        assert apply[0] == 'apply' && '--server-side' in apply && '--field-manager=dockerbuild' in apply
        assert apply[apply.indexOf('--namespace') + 1] == 'staging'
        assert run.shScripts('kubectl').size() == 1
        Map<String, String> applied = run.kubectlFiles[0]
        assert applied.keySet() == ['frontend-deployment.yml', 'frontend-service.yml'] as Set
        assert applied['frontend-deployment.yml'].contains("          image: ${image}\n")
        assert !applied['frontend-deployment.yml'].contains('image: frontend\n')
        assert run.currentBuild.description == "${image} in staging"
    }
}

runner.test('master and main push and deploy to namespace production') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        Monorepo.git(repo.dir, 'branch', 'main', 'master')
        for (String branch : ['master', 'main']) {
            PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: branch, repo: repo, buildNumber: 12)
            succeeded(run)
            assert run.builds()*.push == [false, true]
            List<String> apply = run.kubectlCalls[0]
            assert apply[apply.indexOf('--namespace') + 1] == 'production'
        }
    }
}

runner.test('the image is tagged v_<BUILD_NUMBER> in the registry from DOCKER_REGISTRY (the seed\'s frontend:v_323)') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        jenkins.globalEnv.DOCKER_REGISTRY = 'imperialplugins'
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo, buildNumber: 323)
        succeeded(run)
        assert run.builds()*.image == ['imperialplugins/frontend:v_323', 'imperialplugins/frontend:v_323']
        assert run.kubectlFiles[0]['frontend-deployment.yml'].contains('image: imperialplugins/frontend:v_323')
        PipelineRunTestDouble next = jenkins.run(service: 'frontend', branch: 'feature/login', repo: repo, buildNumber: 324)
        assert next.builds()*.image == ['imperialplugins/frontend:v_324']
    }
}

runner.test('a service unchanged since its last successful build is skipped, green, saying so') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        succeeded(jenkins.run(service: 'frontend', branch: 'staging', repo: repo))
        succeeded(jenkins.run(service: 'backend', branch: 'staging', repo: repo))
        repo.touch('staging', 'backend/src/health.json', 'backend: health answers with the version')
        PipelineRunTestDouble frontend = jenkins.run(service: 'frontend', branch: 'staging', repo: repo)
        succeeded(frontend)
        assert frontend.builderCalls == [] && frontend.kubectlCalls == [] && frontend.discord == []
        assert frontend.stages == ['Changes']
        assert frontend.logText() =~ /frontend is unchanged, nothing to build: nothing under frontend\/ jenkins\/ changed since the last successful build \([0-9a-f]+\)/
        assert frontend.currentBuild.description == 'unchanged: not built'
        PipelineRunTestDouble backend = jenkins.run(service: 'backend', branch: 'staging', repo: repo)
        succeeded(backend)
        assert backend.builds()*.push == [false, true]
        assert backend.logText().contains('1 file(s) under backend/ jenkins/ changed since the last successful build')
        assert backend.discord[0].description.contains('backend: health answers with the version')
        // A change elsewhere on another branch does not make staging's frontend build either.
        repo.touch('feature/login', 'frontend/src/index.html', 'frontend: login form')
        assert jenkins.run(service: 'frontend', branch: 'staging', repo: repo).builderCalls == []
    }
}

runner.test('the first build of a job builds (no successful build yet)') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        PipelineRunTestDouble run = jenkins.run(service: 'backend', branch: 'feature/login', repo: repo)
        succeeded(run)
        assert run.logText().contains('building backend: no successful build of this job yet')
        assert run.builds().size() == 1
    }
}

runner.test('a change under jenkins/ rebuilds every service') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        for (String service : ['frontend', 'backend']) {
            succeeded(jenkins.run(service: service, branch: 'staging', repo: repo))
            assert jenkins.run(service: service, branch: 'staging', repo: repo).builderCalls == []
        }
        repo.touch('staging', 'jenkins/README.md', 'jenkins: document the branches setting')
        for (String service : ['frontend', 'backend']) {
            PipelineRunTestDouble run = jenkins.run(service: service, branch: 'staging', repo: repo)
            succeeded(run)
            assert run.builds()*.push == [false, true]: "${service} was not rebuilt after a change under jenkins/"
            assert run.logText().contains("1 file(s) under ${service}/ jenkins/ changed")
        }
    }
}

runner.test('changes are counted since the last successful build, not the last build: a failed build is retried') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        succeeded(jenkins.run(service: 'frontend', branch: 'staging', repo: repo))
        repo.commit('staging', ['frontend/Dockerfile': 'COPY src/ /usr/share/nginx/html/\n'], 'frontend: Dockerfile lost its FROM')
        assert jenkins.run(service: 'frontend', branch: 'staging', repo: repo).result == 'FAILURE'
        repo.touch('staging', 'backend/src/health.json', 'backend only')
        PipelineRunTestDouble again = jenkins.run(service: 'frontend', branch: 'staging', repo: repo)
        assert again.result == 'FAILURE': 'the frontend change that failed was skipped by the next build'
        assert again.builderCalls.size() == 1
        repo.commit('staging', ['frontend/Dockerfile': 'FROM docker.io/library/nginx:1.29-alpine\nCOPY src/ /usr/share/nginx/html/\n'], 'frontend: FROM again')
        succeeded(jenkins.run(service: 'frontend', branch: 'staging', repo: repo))
    }
}

runner.test('Discord: started with the changelog, deployed, from the credential\'s webhook') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        jenkins.credentials['discord-webhook'] = 'https://discord.com/api/webhooks/42/secret-token'
        succeeded(jenkins.run(service: 'frontend', branch: 'staging', repo: repo))
        repo.touch('staging', 'frontend/src/index.html', 'frontend: new landing page')
        repo.touch('staging', 'frontend/src/index.html', 'frontend: fix typo on landing page')
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo, buildNumber: 9)
        succeeded(run)
        assert run.discord.size() == 2
        Map started = run.discord[0]
        Map deployed = run.discord[1]
        assert started.webhookURL == 'https://discord.com/api/webhooks/42/secret-token'
        assert started.description.startsWith('Build of **frontend** started on branch `staging`')
        List<String> changes = started.description.readLines().findAll { it.startsWith('- ') }
        assert changes.size() == 2
        assert changes[0].endsWith('frontend: fix typo on landing page (Test Developer)')
        assert changes[1].endsWith('frontend: new landing page (Test Developer)')
        assert !started.description.contains('Initial monorepo')
        assert deployed.description == '**frontend** deployed: registry.test.invalid:5000/frontend:v_9 in namespace `staging`'
        assert deployed.result == 'SUCCESS'
        assert started.link == 'https://jenkins.test.invalid/job/monorepo/job/frontend/job/staging/9/'
        assert !run.logText().contains('secret-token')
    }
}

runner.test('a failing build stops before push and deploy, fails the job and tells Discord') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        repo.commit('staging', ['frontend/Dockerfile': 'RUN make\n'], 'frontend: broken Dockerfile')
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo)
        assert run.result == 'FAILURE'
        assert run.currentBuild.result == 'FAILURE'
        assert run.stages == ['Changes', 'Build']
        assert run.builds()*.push == [false]
        assert run.kubectlCalls == []
        assert run.logText().contains('no build stage in current context')
        assert run.discord*.result == ['NOT_BUILT', 'FAILURE']
        assert run.discord[1].description == 'Build of **frontend** on branch `staging` failed in stage Build: script returned exit code 1'
        assert !jenkins.lastSuccessfulCommit.containsKey('frontend/staging')
    }
}

runner.test('a failing deploy (no image to replace) fails with what to fix and tells Discord') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        String manifest = new File(repo.dir, 'frontend/k8s/frontend-deployment.yml').text.replace('image: frontend', 'image: nginx')
        repo.commit('staging', ['frontend/k8s/frontend-deployment.yml': manifest], 'frontend: hard-coded image')
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo)
        assert run.result == 'FAILURE'
        assert run.failure.message.contains("write the container's image as 'image: frontend'")
        assert run.kubectlCalls == []
        assert run.discord*.result == ['NOT_BUILT', 'FAILURE']
        assert run.discord[1].description.contains('failed in stage Deploy')
    }
}

runner.test('a new environment is a few lines of branch config in the Jenkinsfile (backend: qa)') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        Monorepo.git(repo.dir, 'branch', 'qa', 'master')
        PipelineRunTestDouble run = jenkins.run(service: 'backend', branch: 'qa', repo: repo, buildNumber: 3)
        succeeded(run)
        assert run.builds()*.push == [false, true]
        List<String> apply = run.kubectlCalls[0]
        assert apply[apply.indexOf('--namespace') + 1] == 'qa'
        Map<String, String> applied = run.kubectlFiles[0]
        assert applied.keySet() == ['backend-deployment.yml', 'backend-service.yml', 'backend-settings.yml'] as Set
        assert applied['backend-deployment.yml'].contains('image: registry.test.invalid:5000/backend:v_3')
        assert applied['backend-deployment.yml'].contains('image: docker.io/library/busybox:1.37')
        // frontend has no qa settings: it builds on qa, nothing more
        Monorepo.git(repo.dir, 'checkout', '-q', 'qa')
        PipelineRunTestDouble frontend = jenkins.run(service: 'frontend', branch: 'qa', repo: repo)
        assert frontend.builds()*.push == [false] && frontend.kubectlCalls == []
    }
}

runner.test('branch settings with an unknown key fail before any agent starts, saying what to fix') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        repo.commit('staging', ['frontend/Jenkinsfile': "dockerBuild(service: 'frontend', branches: [staging: [push: true, deplyo: true]])\n"], 'typo')
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo)
        assert run.result == 'FAILURE'
        assert run.failure.message.contains("branches.staging: unknown key 'deplyo' (did you mean 'deploy'?); known keys: push, deploy, namespace")
        assert run.steps.every { it.step != 'podTemplate' } && run.builderCalls == [] && run.discord == []
    }
}

runner.test('an agent builder that does not exist fails, naming the builders there are') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        repo.commit('staging', ['frontend/Jenkinsfile': "dockerBuild(service: 'frontend', agent: [builder: 'kaniko-v2'])\n"], 'builder')
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo)
        assert run.result == 'FAILURE'
        assert run.failure.message.contains("agent.builder 'kaniko-v2' does not exist: use one of kaniko, buildkit, docker")
        assert run.builderCalls == []
    }
}

runner.test('the privileged docker.sock builder is refused without the explicit opt-in') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        repo.commit('staging', ['frontend/Jenkinsfile': "dockerBuild(service: 'frontend', agent: [builder: 'docker'])\n"], 'docker')
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo)
        assert run.result == 'FAILURE'
        assert run.failure.message.contains('set agent.allowPrivilegedDockerSocket: true to accept that')
    }
}

runner.test('a Discord webhook that is not https fails the build, without printing the webhook, and nothing is built') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        jenkins.credentials['discord-webhook'] = 'http://discord.com/api/webhooks/1/plain-token'
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo)
        assert run.result == 'FAILURE'
        assert run.failure.message.contains("the Discord webhook in credential 'discord-webhook' is not an https:// URL")
        assert !run.logText().contains('plain-token') && !run.failure.message.contains('plain-token')
        assert run.discord == [] && run.builderCalls == []
    }
}

runner.test('discord: false sends nothing; a missing credential fails the build') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        repo.commit('staging', ['frontend/Jenkinsfile': "dockerBuild(service: 'frontend', discord: false)\n"], 'no discord')
        PipelineRunTestDouble quiet = jenkins.run(service: 'frontend', branch: 'staging', repo: repo)
        succeeded(quiet)
        assert quiet.discord == [] && quiet.kubectlCalls.size() == 1
        jenkins.credentials.clear()
        PipelineRunTestDouble missing = jenkins.run(service: 'backend', branch: 'staging', repo: repo)
        assert missing.result == 'FAILURE' && missing.failure.message.contains("Could not find credentials entry with ID 'discord-webhook'")
        assert missing.logText().contains('the Discord failure message was not sent') && missing.builderCalls == []
    }
}

runner.test('the library loads from the collection\'s copy as well as from the monorepo\'s jenkins/ folder') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo, library: JenkinsTestDouble.COLLECTION_LIBRARY)
        succeeded(run)
        assert run.builds()*.push == [false, true] && run.kubectlCalls.size() == 1
    }
}

runner.test('the default agent pod builds daemonless and unprivileged: no docker.sock, no privileged container') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo, buildNumber: 4)
        succeeded(run)
        String pod = run.podYaml
        assert pod.contains('- name: kaniko') && pod.contains('kaniko-project/executor:') && pod.contains('- name: crane')
        assert !pod.contains('privileged: true') && !pod.contains('docker.sock') && !pod.contains('hostPath') && !pod.contains('Unconfined')
        assert pod.contains('secretName: registry-push') && pod.contains('serviceAccountName: jenkins-deployer')
        String image = 'registry.test.invalid:5000/frontend:v_4'
        // Kaniko builds once, into a tarball; crane pushes that tarball (the double checks it is the built image).
        assert run.shScripts('kaniko') == ["mkdir -p '.dockerbuild' && executor --context=\"\$PWD\"/'frontend' " +
            "--dockerfile=\"\$PWD\"/'frontend'/Dockerfile --destination='${image}' --no-push --tar-path=\"\$PWD\"/'.dockerbuild/image.tar'"]
        assert run.shScripts('crane') == ["crane push \"\$PWD\"/'.dockerbuild/image.tar' '${image}'"]
        assert run.builderCalls*.getAt(0) == ['executor', 'push']
    }
}

runner.test('a feature branch with the kaniko builder builds the tarball and runs no crane') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'feature/login', repo: repo)
        succeeded(run)
        assert run.builds()*.push == [false] && run.shScripts('crane') == []
    }
}

runner.test('the buildkit builder builds rootless and daemonless, and pushes from its cache') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        repo.commit('staging', ['frontend/Jenkinsfile': "dockerBuild(service: 'frontend', agent: [builder: 'buildkit'])\n"], 'buildkit')
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo, buildNumber: 9)
        succeeded(run)
        String pod = run.podYaml
        assert pod.contains('- name: buildkit') && pod.contains('-rootless') && !pod.contains('kaniko')
        assert pod.contains('runAsUser: 1000') && pod.contains('runAsNonRoot: true')
        assert !pod.contains('privileged: true') && !pod.contains('docker.sock') && !pod.contains('hostPath')
        String image = 'registry.test.invalid:5000/frontend:v_9'
        assert run.builds() == [[image: image, push: false, context: 'frontend'], [image: image, push: true, context: 'frontend']]
        assert run.shScripts('buildkit').size() == 2
        run.shScripts('buildkit').each { assert it.startsWith('buildctl-daemonless.sh build ') }
    }
}

runner.test('the docker.sock builder, opted in, is the seed\'s privileged agent') {
    withMonorepo { Monorepo repo, JenkinsTestDouble jenkins ->
        repo.commit('staging', ['frontend/Jenkinsfile':
            "dockerBuild(service: 'frontend', agent: [builder: 'docker', allowPrivilegedDockerSocket: true])\n"], 'docker agent')
        PipelineRunTestDouble run = jenkins.run(service: 'frontend', branch: 'staging', repo: repo, buildNumber: 5)
        succeeded(run)
        assert run.podYaml.contains('privileged: true') && run.podYaml.contains('path: /var/run/docker.sock')
        assert !run.podYaml.contains('buildkit') && !run.podYaml.contains('kaniko')
        String image = 'registry.test.invalid:5000/frontend:v_5'
        assert run.shScripts('docker') == ["docker build --pull -t '${image}' -f 'frontend/Dockerfile' 'frontend'", "docker push '${image}'"]
        assert run.builderCalls*.getAt(0) == ['build', 'push']
        assert run.builds() == [[image: image, push: false, context: 'frontend'], [image: image, push: true, context: null]]
        assert run.kubectlCalls.size() == 1
    }
}

System.exit(runner.finish())
