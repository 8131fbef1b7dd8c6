// The library's src/ helpers on their own (no pipeline): settings checks, branch resolution, image substitution,
// change-detection output and the Discord texts.
//   groovy -cp tests/groovy/harness:roles/jenkins/files/pipeline_library/src tests/groovy/LibraryUnitTest.groovy
import baremetal.pipeline.Agent
import baremetal.pipeline.Changes
import baremetal.pipeline.Config
import baremetal.pipeline.Discord
import baremetal.pipeline.Manifests
import baremetal.pipeline.Shell
import pipelinetest.TestRunner

TestRunner runner = new TestRunner('LibraryUnitTest', args)
String REGISTRY = 'registry.test.invalid:5000'

runner.test('the one-line settings are valid and get the seed\'s defaults') {
    assert Config.problems([service: 'frontend'], REGISTRY) == []
    Map config = Config.resolve([service: 'frontend'], REGISTRY)
    assert config.registry == REGISTRY && config.discord == 'discord-webhook' && config.sharedPaths == ['jenkins'] && config.k8sDir == 'k8s'
    assert Config.branch(config, 'staging') == [name: 'staging', push: true, deploy: true, namespace: 'staging']
    assert Config.branch(config, 'master') == [name: 'master', push: true, deploy: true, namespace: 'production']
    assert Config.branch(config, 'main') == [name: 'main', push: true, deploy: true, namespace: 'production']
    assert Config.branch(config, 'feature/x') == [name: 'feature/x', push: false, deploy: false, namespace: null]
    assert config.agent.builder == 'kaniko' && config.agent.allowPrivilegedDockerSocket == false
}

runner.test('branch settings merge onto the defaults; new branches and globs') {
    Map config = Config.resolve([service: 'api', branches: [staging: [namespace: 'stage'], master: [deploy: false],
                                                            qa: [push: true, deploy: true], 'release/*': [push: true]]], REGISTRY)
    assert Config.branch(config, 'staging') == [name: 'staging', push: true, deploy: true, namespace: 'stage']
    assert Config.branch(config, 'master').deploy == false && Config.branch(config, 'master').push == true
    assert Config.branch(config, 'qa') == [name: 'qa', push: true, deploy: true, namespace: 'qa']
    assert Config.branch(config, 'release/1.2') == [name: 'release/1.2', push: true, deploy: false, namespace: 'release']
    assert Config.branch(config, 'releases').push == false
}

runner.test('every bad setting is reported at once, each saying what to fix') {
    List<String> problems = Config.problems([service: 'Front End', registry: 'https://registry.example.com', colour: 'blue',
                                             branches: [staging: [push: 'yes', deplyo: true, namespace: 'Not_A_Namespace'], qa: [deploy: true]],
                                             agent: [builder: 'kaniko2', image: 'x'], discord: 'https://discord.com/api/webhooks/1/x'], '')
    List<String> expected = [
        "dockerBuild: unknown key 'colour'",
        "service 'Front End': it names the folder and the image, so use lowercase letters",
        "registry 'https://registry.example.com': give host[:port][/path] without a scheme",
        "branches.staging: unknown key 'deplyo' (did you mean 'deploy'?); known keys: push, deploy, namespace",
        "branches.staging.push: must be true or false (got 'yes')",
        "branches.staging.namespace: 'Not_A_Namespace' is not a Kubernetes namespace name",
        'branches.qa: deploy: true needs push: true',
        "agent: unknown key 'image' (did you mean 'images'?)",
        "agent.builder 'kaniko2' does not exist: use one of kaniko, buildkit, docker",
        'discord: give the id of a Jenkins secret-text credential, not the webhook URL itself',
    ]
    for (String want : expected) {
        assert problems.any { it.startsWith(want) }: "no problem starting with: ${want}\ngot:\n${problems.join('\n')}"
    }
    assert problems.size() == expected.size()
}

runner.test('registry comes from DOCKER_REGISTRY unless the Jenkinsfile sets it; none at all is an error') {
    assert Config.problems([service: 'frontend'], null)[0].startsWith('registry: set registry:')
    assert Config.resolve([service: 'frontend', registry: 'other.example:443/team'], REGISTRY).registry == 'other.example:443/team'
    assert Config.problems([service: 'frontend', registry: 'other.example:443/team'], null) == []
}

runner.test('the docker builder needs the explicit opt-in; agent images and names are checked') {
    assert Config.problems([service: 'a', agent: [builder: 'docker']], REGISTRY)[0].contains('allowPrivilegedDockerSocket: true')
    assert Config.problems([service: 'a', agent: [builder: 'docker', allowPrivilegedDockerSocket: true]], REGISTRY) == []
    assert Config.problems([service: 'a', agent: [images: [kubect1: 'x']]], REGISTRY)[0].startsWith("agent.images: unknown key 'kubect1' (did you mean 'kubectl'?)")
    assert Config.problems([service: 'a', agent: [pushSecret: 'Bad Name']], REGISTRY)[0].startsWith("agent.pushSecret: 'Bad Name'")
    Map config = Config.resolve([service: 'a', agent: [images: [kubectl: 'mirror.example/kubectl:1.34']]], REGISTRY)
    assert config.agent.images.kubectl == 'mirror.example/kubectl:1.34' && config.agent.images.kaniko.endsWith('-debug')
    assert Agent.podYaml(config.agent).contains('image: mirror.example/kubectl:1.34')
}

runner.test('each builder has its build and push containers; only docker mounts the socket or runs privileged') {
    Map images = Agent.DEFAULT_IMAGES
    Map kaniko = [builder: 'kaniko', images: images, pushSecret: 'registry-push', serviceAccount: 'jenkins-deployer']
    assert Agent.builderContainer(kaniko) == 'kaniko' && Agent.pushContainer(kaniko) == 'crane'
    assert Agent.pushContainer(kaniko + [builder: 'buildkit']) == 'buildkit' && Agent.pushContainer(kaniko + [builder: 'docker']) == 'docker'
    assert Agent.buildCommand(kaniko, 'it\'s', 'r.example/a:v_1').contains("--context=\"\$PWD\"/'it'\"'\"'s'")
    assert Agent.pushCommand(kaniko, 'a', 'r.example/a:v_1') == "crane push \"\$PWD\"/'.dockerbuild/image.tar' 'r.example/a:v_1'"
    for (String builder : Agent.BUILDERS) {
        String pod = Agent.podYaml(kaniko + [builder: builder])
        assert pod.contains("- name: ${Agent.builderContainer(kaniko + [builder: builder])}\n")
        assert pod.contains("- name: ${Agent.pushContainer(kaniko + [builder: builder])}\n")
        assert pod.contains('privileged: true') == (builder == 'docker') && pod.contains('docker.sock') == (builder == 'docker')
        assert pod.contains('Unconfined') == (builder == 'buildkit')
    }
}

runner.test('sharedPaths and k8sDir are checked') {
    assert Config.problems([service: 'a', sharedPaths: 'jenkins'], REGISTRY)[0].startsWith('sharedPaths: give a list')
    assert Config.problems([service: 'a', sharedPaths: ['../outside']], REGISTRY)[0].startsWith("sharedPaths: '../outside'")
    assert Config.problems([service: 'a', k8sDir: '/etc'], REGISTRY)[0].startsWith("k8sDir: '/etc'")
    assert Changes.paths(Config.resolve([service: 'a', sharedPaths: ['jenkins', 'libs/common/']], REGISTRY)) == ['a/', 'jenkins/', 'libs/common/']
}

runner.test('image substitution: service images and ${IMAGE} are replaced, other images are not') {
    String image = 'reg.example:5000/frontend:v_323'
    String text = [
        '      containers:',
        '        - name: web',
        '          image: frontend',
        '        - name: web2',
        '          image: "old.example/team/frontend:v_1"  # old',
        '        - name: pinned',
        "          image: 'frontend@sha256:0123'",
        '        - name: sidecar',
        '          image: nginx:1.29',
        '        - name: almost',
        '          image: frontend-proxy:2',
        '      initContainers:',
        '        - image: ${IMAGE}',
        '          name: init',
        '        - {name: flow, image: $IMAGE}',
    ].join('\n')
    Map result = Manifests.render(text, 'frontend', image)
    List<String> lines = result.text.readLines()
    assert lines[2] == "          image: ${image}"
    assert lines[4] == "          image: \"${image}\"  # old"
    assert lines[6] == "          image: '${image}'"
    assert lines[8] == '          image: nginx:1.29'
    assert lines[10] == '          image: frontend-proxy:2'
    assert lines[12] == "        - image: ${image}"
    assert lines[14] == "        - {name: flow, image: ${image}}"
    assert result.replaced == 5
    assert Manifests.render(result.text, 'frontend', image).text == result.text
    assert Manifests.render('image: nginx\n', 'frontend', image).replaced == 0
}

runner.test('repository names of image references') {
    assert Manifests.repositoryName('frontend') == 'frontend'
    assert Manifests.repositoryName('reg:5000/team/frontend:v_1') == 'frontend'
    assert Manifests.repositoryName('reg:5000/frontend') == 'frontend'
    assert Manifests.repositoryName('frontend@sha256:abc') == 'frontend'
}

runner.test('change-detection output is parsed; anything else is an error') {
    assert Changes.parse('skip\nnothing changed\n') == [build: false, reason: 'nothing changed', changelog: []]
    assert Changes.parse('build\n2 file(s)\n- abc one (A)\n- def two (B)\n') == [build: true, reason: '2 file(s)', changelog: ['- abc one (A)', '- def two (B)']]
    try {
        Changes.parse('fatal: not a git repository')
        assert false: 'no exception'
    } catch (IllegalStateException expected) {
        assert expected.message.contains('printed no decision')
    }
    assert Changes.command('d.sh', null, 'abc', ['a/', 'jenkins/']) == "sh 'd.sh' '' 'abc' 'a/' 'jenkins/'"
}

runner.test('shell quoting survives quotes') {
    Process process = ['/bin/sh', '-c', 'printf %s ' + Shell.quote("it's \$HOME `x`")].execute()
    assert process.text == "it's \$HOME `x`"
}

runner.test('Discord texts: webhook checks never contain the webhook; long changelogs are cut') {
    assert Discord.webhookProblem('hook', 'https://discord.com/api/webhooks/1/t') == null
    String problem = Discord.webhookProblem('hook', 'http://discord.com/api/webhooks/1/secret')
    assert problem.contains("credential 'hook' is not an https:// URL") && !problem.contains('secret')
    assert Discord.webhookProblem('hook', '').contains('is empty')
    List<String> changelog = (1..200).collect { "- abcdef${it} a change with a long enough subject line (Someone)".toString() }
    String started = Discord.started('frontend', 'staging', 'reg/frontend:v_1', changelog)
    assert started.length() == Discord.DESCRIPTION_LIMIT && started.endsWith('...')
}

System.exit(runner.finish())
