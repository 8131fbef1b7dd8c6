package pipelinetest

import java.nio.file.Files

import org.codehaus.groovy.runtime.InvokerHelper

/**
 * Test double of a Jenkins controller running the dockerBuild shared library: it stands in for Jenkins at the step
 * boundary only. The library's vars/ and src/ files are loaded unchanged (from the monorepo's jenkins/ folder, as a
 * folder library, or from the collection's copy), the service's real Jenkinsfile is evaluated, and the steps it calls
 * are these doubles:
 *
 *   stage, node, podTemplate (sets POD_LABEL), container   run their body; recorded
 *   sh                run for real: /bin/sh -e -c SCRIPT in the build's workspace, a real git clone of the monorepo,
 *                     with env and credentials in the environment; returnStdout/returnStatus as in Jenkins; a non-zero
 *                     exit throws PipelineAbortTestDouble like Jenkins' AbortException
 *   checkout          the clone is already there; returns GIT_COMMIT, GIT_BRANCH and, once a build of the same job has
 *                     succeeded, GIT_PREVIOUS_SUCCESSFUL_COMMIT as the Git plugin does
 *   withCredentials, string   secret-text credentials from this double's credentials map, in env for the body
 *   discordSend       recorded (nothing is sent)
 *   libraryResource   reads the library's resources/ folder
 *   readFile, writeFile, echo, error   on the workspace / the build log
 *   env, scm, currentBuild            EnvTestDouble, ScmTestDouble, CurrentBuildTestDouble
 *
 * Commands that cannot run here are put first on PATH as test doubles (tests/groovy/doubles/*_test_double):
 * executor (Kaniko), crane, buildctl-daemonless.sh and docker always, kubectl unless a real kubectl is given (the
 * integration test gives the lab's).
 */
class JenkinsTestDouble {

    static final File GROOVY_TESTS = locateTests()
    static final File REPO_ROOT = GROOVY_TESTS.parentFile.parentFile
    static final File COLLECTION_LIBRARY = new File(REPO_ROOT, 'roles/jenkins/files/pipeline_library')
    static final File DOUBLES = new File(GROOVY_TESTS, 'doubles')

    /** What the controller remembers between builds: commit of the last successful build per job (service/branch). */
    Map<String, String> lastSuccessfulCommit = [:]
    Map<String, Integer> buildNumbers = [:]
    /** Secret-text credentials by id. */
    Map<String, String> credentials = ['discord-webhook': 'https://discord.com/api/webhooks/123/test-token']
    /** Global environment variables (Manage Jenkins > System), as the jenkins role sets them. */
    Map<String, String> globalEnv = [DOCKER_REGISTRY: 'registry.test.invalid:5000']
    /** A real kubectl to use instead of kubectl_test_double (and its KUBECONFIG in globalEnv). */
    String realKubectl = null
    final File scratch = Files.createTempDirectory('dockerbuild-jenkins-').toFile()
    final File bin = new File(scratch, 'bin')
    /** Every call of the builder doubles (kaniko, crane, buildctl, docker) / kubectl_test_double, one line each. */
    final File builderCalls = new File(scratch, 'buildctl-calls.log')
    final File kubectlCalls = new File(scratch, 'kubectl-calls.log')

    JenkinsTestDouble() {
        bin.mkdirs()
    }

    private static File locateTests() {
        String fromEnv = System.getenv('DOCKERBUILD_GROOVY_TESTS')
        if (fromEnv) {
            return new File(fromEnv).canonicalFile
        }
        File here = new File('tests/groovy')
        if (!new File(here, 'harness/pipelinetest').isDirectory()) {
            throw new IllegalStateException('cannot find tests/groovy: run from the repository root or set DOCKERBUILD_GROOVY_TESTS')
        }
        return here.canonicalFile
    }

    /** Remove everything this double created (workspaces are removed after each run already). */
    void close() {
        scratch.deleteDir()
    }

    private void linkDoubles() {
        link('executor', new File(DOUBLES, 'kaniko_test_double'))
        link('crane', new File(DOUBLES, 'crane_test_double'))
        link('buildctl-daemonless.sh', new File(DOUBLES, 'buildctl_test_double'))
        link('kubectl', realKubectl ? new File(realKubectl) : new File(DOUBLES, 'kubectl_test_double'))
        link('docker', new File(DOUBLES, 'docker_test_double'))
    }

    private void link(String name, File target) {
        File path = new File(bin, name)
        Files.deleteIfExists(path.toPath())
        Files.createSymbolicLink(path.toPath(), target.canonicalFile.toPath())
    }

    /**
     * One build of job service/branch at the branch's head in repo: options service, branch, repo (Monorepo),
     * buildNumber (default: the job's next), library (File; default the clone's jenkins/ folder).
     */
    PipelineRunTestDouble run(Map options) {
        linkDoubles()
        String service = options.service
        String branch = options.branch
        String job = "${service}/${branch}"
        int number = options.buildNumber ? options.buildNumber as int : (buildNumbers[job] ?: 0) + 1
        buildNumbers[job] = Math.max(number, buildNumbers[job] ?: 0)
        Monorepo repo = options.repo as Monorepo
        File workspace = new File(scratch, "workspace-${service}-${branch.replace('/', '_')}-${number}")
        workspace.deleteDir()
        Monorepo.git(scratch, 'clone', '-q', '--branch', branch, repo.dir.path, workspace.path)
        String head = Monorepo.git(workspace, 'rev-parse', 'HEAD').trim()
        File library = options.library ? options.library as File : new File(workspace, 'jenkins')

        PipelineRunTestDouble run = new PipelineRunTestDouble(job: job, number: number, branch: branch, commit: head, workspace: workspace)
        EnvTestDouble env = new EnvTestDouble()
        env.putAll(globalEnv)
        env.putAll([BRANCH_NAME: branch, BUILD_NUMBER: number.toString(), JOB_NAME: "monorepo/${service}/${branch}".toString(),
                    BUILD_URL: "https://jenkins.test.invalid/job/monorepo/job/${service}/job/${branch}/${number}/".toString(),
                    WORKSPACE: workspace.path])
        CurrentBuildTestDouble currentBuild = new CurrentBuildTestDouble(number: number)
        run.currentBuild = currentBuild
        Binding binding = new Binding()
        binding.setVariable('env', env)
        binding.setVariable('scm', new ScmTestDouble(url: repo.dir.path, branch: branch))
        binding.setVariable('currentBuild', currentBuild)
        bindSteps(binding, run, env, library, job, head)

        Class varsClass = libraryClass(library)
        Script vars = InvokerHelper.createScript(varsClass, binding)
        binding.setVariable('dockerBuild', { Object[] args -> vars.invokeMethod('call', args) })
        Script jenkinsfile = InvokerHelper.createScript(scriptClass(varsClass.classLoader as GroovyClassLoader,
            new File(workspace, "${service}/Jenkinsfile").text), binding)
        try {
            jenkinsfile.run()
            run.result = currentBuild.result ?: 'SUCCESS'
        } catch (Throwable failure) {
            run.failure = failure
            run.result = 'FAILURE'
            run.log << "ERROR: ${failure.message}".toString()
        }
        if (run.result == 'SUCCESS') {
            lastSuccessfulCommit[job] = head
        }
        run.builderCalls = readCalls(builderCalls)
        run.kubectlCalls = readCalls(kubectlCalls)
        File kept = new File(kubectlCalls.path + '.d')
        for (int call = 1; call <= run.kubectlCalls.size(); call++) {
            Map<String, String> files = [:]
            File folder = new File(kept, call.toString())
            for (File file : (folder.listFiles() ?: []).sort { it.name }) {
                files[file.name] = file.text
            }
            run.kubectlFiles << files
        }
        builderCalls.delete()
        kubectlCalls.delete()
        kept.deleteDir()
        if (!options.keepWorkspace) {
            workspace.deleteDir()
        }
        return run
    }

    // Compiled library and Jenkinsfiles, by their text: compiling is the slow part of a run, and the classes keep no
    // state (each run gets fresh Script instances on its own Binding).
    private static final Map<String, Class> COMPILED = [:]

    /** vars/dockerBuild.groovy compiled with src/ on its class path, as Jenkins loads a library. */
    private static Class libraryClass(File library) {
        StringBuilder key = new StringBuilder()
        List<File> sources = []
        new File(library, 'src').eachFileRecurse { File file -> if (file.name.endsWith('.groovy')) { sources << file } }
        sources << new File(library, 'vars/dockerBuild.groovy')
        for (File file : sources.sort { it.path }) {
            key << library.toPath().relativize(file.toPath()).toString() << '\n' << file.text << '\n'
        }
        String id = key.toString()
        if (!COMPILED.containsKey(id)) {
            GroovyClassLoader loader = new GroovyClassLoader(JenkinsTestDouble.classLoader)
            loader.addClasspath(new File(library, 'src').path)
            COMPILED[id] = loader.parseClass(new File(library, 'vars/dockerBuild.groovy').text, 'dockerBuild.groovy')
        }
        return COMPILED[id]
    }

    private static Class scriptClass(GroovyClassLoader loader, String text) {
        String id = 'Jenkinsfile:' + text
        if (!COMPILED.containsKey(id)) {
            COMPILED[id] = loader.parseClass(text, 'Jenkinsfile.groovy')
        }
        return COMPILED[id]
    }

    private static List<List<String>> readCalls(File calls) {
        if (!calls.exists()) {
            return []
        }
        List<List<String>> result = []
        for (String line : calls.readLines()) {
            result << (line.split('\t') as List<String>)
        }
        return result
    }

    private void bindSteps(Binding binding, PipelineRunTestDouble run, EnvTestDouble env, File library, String job, String head) {
        List<String> containers = []
        binding.setVariable('echo', { Object message ->
            run.log << message.toString()
            run.steps << [step: 'echo', message: message.toString()]
        })
        binding.setVariable('error', { String message ->
            run.steps << [step: 'error', message: message]
            throw new PipelineAbortTestDouble(message)
        })
        binding.setVariable('stage', { String name, Closure body ->
            run.stages << name
            run.steps << [step: 'stage', name: name]
            return body()
        })
        binding.setVariable('podTemplate', { Map settings, Closure body ->
            run.podYaml = settings.yaml
            run.steps << [step: 'podTemplate']
            binding.setVariable('POD_LABEL', 'dockerbuild-pod-test-double')
            return body()
        })
        binding.setVariable('node', { Object label, Closure body ->
            run.steps << [step: 'node', label: label.toString()]
            return body()
        })
        binding.setVariable('container', { String name, Closure body ->
            run.steps << [step: 'container', name: name]
            containers.push(name)
            try {
                return body()
            } finally {
                containers.pop()
            }
        })
        binding.setVariable('checkout', { Object scm ->
            run.steps << [step: 'checkout']
            Map result = [GIT_COMMIT: head, GIT_BRANCH: "origin/${run.branch}".toString()]
            if (lastSuccessfulCommit[job]) {
                result.GIT_PREVIOUS_SUCCESSFUL_COMMIT = lastSuccessfulCommit[job]
            }
            return result
        })
        binding.setVariable('string', { Map settings -> [type: 'string'] + settings })
        binding.setVariable('withCredentials', { List bindings, Closure body ->
            List<String> set = []
            for (Map credential : bindings) {
                if (!credentials.containsKey(credential.credentialsId)) {
                    throw new PipelineAbortTestDouble("Could not find credentials entry with ID '${credential.credentialsId}'")
                }
                env[credential.variable as String] = credentials[credential.credentialsId]
                set << (credential.variable as String)
            }
            run.steps << [step: 'withCredentials', ids: bindings.collect { it.credentialsId }]
            try {
                return body()
            } finally {
                for (String variable : set) {
                    env.remove(variable)
                }
            }
        })
        binding.setVariable('discordSend', { Map message ->
            if (!message.webhookURL) {
                throw new PipelineAbortTestDouble('discordSend: webhookURL is required')
            }
            run.discord << new LinkedHashMap(message)
            run.steps << [step: 'discordSend']
        })
        binding.setVariable('libraryResource', { String path ->
            File file = new File(library, "resources/${path}")
            if (!file.isFile()) {
                throw new PipelineAbortTestDouble("No such library resource ${path} could be found.")
            }
            return file.text
        })
        binding.setVariable('readFile', { Object arg ->
            String path = arg instanceof Map ? arg.file : arg
            File file = new File(run.workspace, path)
            if (!file.isFile()) {
                throw new PipelineAbortTestDouble("java.nio.file.NoSuchFileException: ${file}")
            }
            return file.text
        })
        binding.setVariable('writeFile', { Map arg ->
            File file = new File(run.workspace, arg.file as String)
            file.parentFile.mkdirs()
            file.text = arg.text
            run.steps << [step: 'writeFile', file: arg.file]
        })
        binding.setVariable('sh', { Object arg ->
            Map settings = arg instanceof Map ? arg : [script: arg.toString()]
            return sh(run, env, containers ? containers[-1] : null, settings)
        })
    }

    private Object sh(PipelineRunTestDouble run, EnvTestDouble env, String container, Map settings) {
        String script = settings.script
        ProcessBuilder builder = new ProcessBuilder('/bin/sh', '-e', '-c', script).directory(run.workspace)
        Map<String, String> environment = builder.environment()
        for (def entry : env.entrySet()) {
            environment[entry.key] = entry.value?.toString()
        }
        environment.PATH = bin.path + File.pathSeparator + System.getenv('PATH')
        environment.BUILDCTL_TEST_DOUBLE_CALLS = builderCalls.path
        environment.KUBECTL_TEST_DOUBLE_CALLS = kubectlCalls.path
        environment.DOCKER_TEST_DOUBLE_CALLS = builderCalls.path
        Process process = builder.start()
        StringBuffer out = new StringBuffer()
        StringBuffer err = new StringBuffer()
        process.waitForProcessOutput(out, err)
        int status = process.waitFor()
        run.steps << [step: 'sh', script: script, container: container, status: status]
        run.log << "+ ${script}".toString()
        if (!settings.returnStdout && out) {
            run.log << out.toString()
        }
        if (err) {
            run.log << err.toString()
        }
        if (settings.returnStatus) {
            return status
        }
        if (status != 0) {
            throw new PipelineAbortTestDouble("script returned exit code ${status}")
        }
        return settings.returnStdout ? out.toString() : null
    }
}
