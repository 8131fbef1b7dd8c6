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

    /** [image, push, context] of each builder call (the kaniko, crane, buildctl or docker test double). */
    List<Map> builds() {
        List<Map> result = []
        for (List<String> call : builderCalls) {
            if (call[0] == 'push') {
                // docker push IMAGE, crane push TARBALL IMAGE
                result << [image: call[-1], push: true, context: null]
                continue
            }
            if (call[0] == 'executor') {
                Map flags = [:]
                for (String arg : call.drop(1)) {
                    List<String> kv = arg.split('=', 2) as List
                    flags[kv[0]] = kv.size() > 1 ? kv[1] : true
                }
                String context = (flags['--context'] as String).replaceFirst('^dir://', '')
                // The command gives "$PWD"/DIR; report DIR relative to the workspace, as the other builders do.
                int at = context.indexOf('/' + workspace.name + '/')
                String relative = at < 0 ? context : context.substring(at + workspace.name.length() + 2)
                result << [image: flags['--destination'], push: !flags.containsKey('--no-push'), context: relative]
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
