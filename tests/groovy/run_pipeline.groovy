// Run one dockerBuild build of the example monorepo under the JenkinsTestDouble and write what happened as JSON.
// Used by tests/integration/jenkins/test_pipeline_deploy.py with the lab's real kubectl and kube-apiserver.
//   groovy -cp tests/groovy/harness tests/groovy/run_pipeline.groovy --service frontend --branch staging \
//       --build-number 7 --registry registry.lab.invalid:5000 --kubectl PATH --kubeconfig FILE --out RESULT.json
//       [--jenkinsfile TEXT]   (replaces the service's one-line Jenkinsfile on that branch first)
import groovy.json.JsonOutput
import pipelinetest.JenkinsTestDouble
import pipelinetest.Monorepo
import pipelinetest.PipelineRunTestDouble

Map<String, String> options = [:]
for (int i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith('--') || i + 1 >= args.length) {
        System.err.println("usage: run_pipeline.groovy --service S --branch B --build-number N --registry R [--kubectl K --kubeconfig F] --out FILE")
        System.exit(2)
    }
    options[args[i].substring(2)] = args[i + 1]
}
Monorepo repo = new Monorepo()
JenkinsTestDouble jenkins = new JenkinsTestDouble()
try {
    jenkins.globalEnv.DOCKER_REGISTRY = options.registry
    if (options.kubeconfig) {
        jenkins.globalEnv.KUBECONFIG = options.kubeconfig
    }
    jenkins.realKubectl = options.kubectl
    if (options.jenkinsfile) {
        repo.commit(options.branch, [("${options.service}/Jenkinsfile".toString()): options.jenkinsfile + '\n'], 'Jenkinsfile for this run')
    }
    PipelineRunTestDouble run = jenkins.run(service: options.service, branch: options.branch, repo: repo,
                                            buildNumber: options['build-number'] as int)
    Map summary = [result: run.result, failure: run.failure?.message, stages: run.stages, builds: run.builds(),
                   kubectl: run.shScripts('kubectl'), discord: run.discord*.description, podYaml: run.podYaml, log: run.logText()]
    new File(options.out).text = JsonOutput.prettyPrint(JsonOutput.toJson(summary))
} finally {
    jenkins.close()
    repo.close()
}
