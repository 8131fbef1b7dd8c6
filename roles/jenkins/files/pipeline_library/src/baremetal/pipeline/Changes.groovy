package baremetal.pipeline

/**
 * Change detection for one service of a monorepo: resources/baremetal/pipeline/detect-changes.sh decides with git
 * whether the service's folder or a shared folder changed between the commit of the job's last successful build
 * (the Git plugin's GIT_PREVIOUS_SUCCESSFUL_COMMIT) and the commit being built. This class builds its command line
 * and reads its answer.
 */
class Changes implements Serializable {

    static final String SCRIPT = 'baremetal/pipeline/detect-changes.sh'

    /** The folders whose changes build this service: its own folder and the shared ones, as git pathspecs. */
    static List<String> paths(Map config) {
        List<String> paths = [config.service.toString() + '/']
        for (def shared : config.sharedPaths as List) {
            String path = shared.toString()
            paths << (path.endsWith('/') ? path : path + '/')
        }
        return paths
    }

    static String command(String scriptFile, String base, String head, List<String> paths) {
        return 'sh ' + Shell.words([scriptFile, base ?: '', head] + paths)
    }

    /** [build: boolean, reason: String, changelog: List<String>] from the script's output. */
    static Map parse(String output) {
        List<String> lines = []
        for (String line : output.split('\n')) {
            if (line.trim()) {
                lines << line
            }
        }
        if (lines.isEmpty() || !(lines[0] in ['build', 'skip'])) {
            throw new IllegalStateException("detect-changes.sh printed no decision: '${output}'")
        }
        return [build: lines[0] == 'build', reason: lines.size() > 1 ? lines[1] : '',
                changelog: lines.size() > 2 ? lines.subList(2, lines.size()) : []]
    }
}
