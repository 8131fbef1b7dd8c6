package pipelinetest

/** What one run of the JenkinsTestDouble did. */
class PipelineRunTestDouble {
    String job
    int number
    String branch
    String commit
    String result
    Throwable failure
    File workspace
    String podYaml
    CurrentBuildTestDouble currentBuild
    List<String> stages = []
    List<Map> steps = []
    List<String> log = []
    List<Map> discord = []
    List<List<String>> builderCalls = []
    List<List<String>> kubectlCalls = []
    /** For each kubectl call, the files it was given with -f (name: text). */
    List<Map<String, String>> kubectlFiles = []

    String logText() {
        return log.join('\n')
    }

    /** The sh scripts run, optionally only those inside container(name). */
    List<String> shScripts(String container = null) {
        List<String> scripts = []
        for (Map step : steps) {
            if (step.step == 'sh' && (container == null || step.container == container)) {
                scripts << (step.script as String)
            }
        }
        return scripts
    }

    /** [image, push, context] of each builder call (buildctl_test_double or docker_test_double). */
    List<Map> builds() {
        List<Map> result = []
        for (List<String> call : builderCalls) {
            if (call[0] == 'push') {
                result << [image: call[1], push: true, context: null]
                continue
            }
            String output = call.find { it.startsWith('type=image,') }
            if (output == null) {
                result << [image: call[call.indexOf('-t') + 1], push: false, context: call[-1]]
                continue
            }
            Map fields = [:]
            for (String part : output.split(',')) {
                List<String> kv = part.split('=', 2) as List
                fields[kv[0]] = kv[1]
            }
            String context = call.find { it.startsWith('context=') }?.substring('context='.length())
            result << [image: fields.name, push: fields.push == 'true', context: context]
        }
        return result
    }
}
