package baremetal.pipeline

/**
 * dockerBuild's settings: what a Jenkinsfile may say, the defaults, and the checks.
 *
 * Every problem is reported at once, each saying what to fix, before any agent starts.
 * Only plain Maps, Lists and Strings come out of here, so the values survive a
 * Jenkins restart (CPS serialises the pipeline's locals).
 */
class Config implements Serializable {

    static final List<String> TOP_KEYS = ['service', 'registry', 'branches', 'discord', 'agent', 'sharedPaths', 'k8sDir']
    static final List<String> BRANCH_KEYS = ['push', 'deploy', 'namespace']
    static final List<String> AGENT_KEYS = ['builder', 'allowPrivilegedDockerSocket', 'images', 'pushSecret', 'serviceAccount']

    /** Branches that push and deploy unless the Jenkinsfile says otherwise (the seed: staging and master). */
    static Map defaultBranches() {
        return [
            staging: [push: true, deploy: true, namespace: 'staging'],
            master : [push: true, deploy: true, namespace: 'production'],
            main   : [push: true, deploy: true, namespace: 'production'],
        ]
    }

    static final String DEFAULT_DISCORD_CREDENTIAL = 'discord-webhook'

    // A Docker repository name component, as the distribution spec allows it.
    static final String IMAGE_NAME = /[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*/
    // host[:port][/path], no scheme.
    static final String REGISTRY = /[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*/
    static final String NAMESPACE = /[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/
    static final String PATH_ENTRY = /[A-Za-z0-9._][A-Za-z0-9._\/-]*/

    /** Everything wrong with the settings of one dockerBuild call, each with what to do; empty when they are fine. */
    static List<String> problems(Map settings, String registryFromEnv) {
        List<String> found = []
        if (settings == null) {
            found << 'dockerBuild needs settings: dockerBuild(service: \'<folder of the service>\')'
            return found
        }
        unknownKeys(found, 'dockerBuild', settings, TOP_KEYS)

        def service = settings.service
        if (!(service instanceof CharSequence) || !service.toString()) {
            found << "service: give the folder of the service in the monorepo, e.g. dockerBuild(service: 'frontend')"
        } else if (!(service.toString() ==~ IMAGE_NAME)) {
            found << "service '${service}': it names the folder and the image, so use lowercase letters, digits and '.', '_', '-' " +
                "(not at the start or end), e.g. 'frontend'"
        }

        def registry = settings.containsKey('registry') ? settings.registry : registryFromEnv
        if (registry == null || !registry.toString()) {
            found << 'registry: set registry: \'<host[:port]>\' in the Jenkinsfile or the global environment variable DOCKER_REGISTRY ' +
                '(the collection\'s jenkins role sets it to its private registry)'
        } else if (registry.toString().contains('://')) {
            found << "registry '${registry}': give host[:port][/path] without a scheme, e.g. 'registry.example.com:5000'"
        } else if (!(registry.toString() ==~ REGISTRY)) {
            found << "registry '${registry}': expected host[:port][/path] with a lowercase path, e.g. 'registry.example.com:5000/team'"
        }

        branchProblems(found, settings.branches)
        discordProblems(found, settings)
        agentProblems(found, settings.agent)

        if (settings.containsKey('sharedPaths')) {
            def shared = settings.sharedPaths
            if (!(shared instanceof List)) {
                found << "sharedPaths: give a list of folders whose changes rebuild every service, e.g. ['jenkins'] (got ${describe(shared)})"
            } else {
                for (def entry : shared) {
                    if (!(entry instanceof CharSequence) || !(entry.toString() ==~ PATH_ENTRY) || entry.toString().contains('..')) {
                        found << "sharedPaths: '${entry}' is not a folder path inside the repository (e.g. 'jenkins' or 'libs/common')"
                    }
                }
            }
        }
        if (settings.containsKey('k8sDir')) {
            def k8sDir = settings.k8sDir
            if (!(k8sDir instanceof CharSequence) || !(k8sDir.toString() ==~ PATH_ENTRY) || k8sDir.toString().contains('..')) {
                found << "k8sDir: '${k8sDir}' is not a folder inside the service's folder (default 'k8s')"
            }
        }
        return found
    }

    private static void branchProblems(List<String> found, def branches) {
        if (branches == null) {
            return
        }
        if (!(branches instanceof Map)) {
            found << "branches: give a map of branch name to settings, e.g. branches: [qa: [push: true, deploy: true, namespace: 'qa']] " +
                "(got ${describe(branches)})"
            return
        }
        for (def entry : branches.entrySet()) {
            String name = entry.key.toString()
            def branch = entry.value
            if (!(branch instanceof Map)) {
                found << "branches.${name}: give a map with ${BRANCH_KEYS.join(', ')}, e.g. [push: true, deploy: true, namespace: 'qa'] " +
                    "(got ${describe(branch)})"
                continue
            }
            unknownKeys(found, "branches.${name}", branch, BRANCH_KEYS)
            for (String flag : ['push', 'deploy']) {
                if (branch.containsKey(flag) && !(branch[flag] instanceof Boolean)) {
                    found << "branches.${name}.${flag}: must be true or false (got ${describe(branch[flag])})"
                }
            }
            if (branch.containsKey('namespace')) {
                def namespace = branch.namespace
                if (!(namespace instanceof CharSequence) || !(namespace.toString() ==~ NAMESPACE)) {
                    found << "branches.${name}.namespace: '${namespace}' is not a Kubernetes namespace name " +
                        '(lowercase letters, digits and -, at most 63 characters)'
                }
            }
            Map merged = [push: false, deploy: false]
            Map defaults = defaultBranches()
            if (defaults.containsKey(name)) {
                merged.putAll(defaults[name] as Map)
            }
            merged.putAll(branch)
            if (merged.deploy == true && merged.push == false) {
                found << "branches.${name}: deploy: true needs push: true (the cluster can only pull an image that was pushed)"
            }
        }
    }

    private static void discordProblems(List<String> found, Map settings) {
        if (!settings.containsKey('discord')) {
            return
        }
        def discord = settings.discord
        if (discord == false || discord == null) {
            return
        }
        if (!(discord instanceof CharSequence) || !discord.toString()) {
            found << "discord: give the id of the Jenkins secret-text credential that holds the webhook URL (default " +
                "'${DEFAULT_DISCORD_CREDENTIAL}'), or false to send nothing (got ${describe(discord)})"
        } else if (discord.toString().startsWith('http')) {
            found << 'discord: give the id of a Jenkins secret-text credential, not the webhook URL itself ' +
                '(a webhook in a Jenkinsfile is readable by everyone with access to the repository)'
        }
    }

    private static void agentProblems(List<String> found, def agent) {
        if (agent == null) {
            return
        }
        if (!(agent instanceof Map)) {
            found << "agent: give a map, e.g. agent: [builder: 'kaniko'] (got ${describe(agent)})"
            return
        }
        unknownKeys(found, 'agent', agent, AGENT_KEYS)
        String builder = agent.containsKey('builder') ? agent.builder?.toString() : Agent.DEFAULT_BUILDER
        if (!Agent.BUILDERS.contains(builder)) {
            found << "agent.builder '${builder}' does not exist: use one of ${Agent.BUILDERS.join(', ')} " +
                "(default '${Agent.DEFAULT_BUILDER}', daemonless and unprivileged)"
        }
        if (agent.containsKey('allowPrivilegedDockerSocket') && !(agent.allowPrivilegedDockerSocket instanceof Boolean)) {
            found << "agent.allowPrivilegedDockerSocket: must be true or false (got ${describe(agent.allowPrivilegedDockerSocket)})"
        }
        if (builder == 'docker' && agent.allowPrivilegedDockerSocket != true) {
            found << "agent.builder 'docker' runs a privileged pod with the node's /var/run/docker.sock, which gives every build root " +
                "on that node: set agent.allowPrivilegedDockerSocket: true to accept that, or use builder 'kaniko'"
        }
        if (agent.containsKey('images')) {
            def images = agent.images
            if (!(images instanceof Map)) {
                found << "agent.images: give a map of container name to image, e.g. [kubectl: 'registry.example.com/kubectl:1.34'] " +
                    "(got ${describe(images)})"
            } else {
                unknownKeys(found, 'agent.images', images, Agent.CONTAINERS)
                for (def entry : images.entrySet()) {
                    if (!(entry.value instanceof CharSequence) || !entry.value.toString() || entry.value.toString() =~ /\s/) {
                        found << "agent.images.${entry.key}: give an image reference such as 'gcr.io/kaniko-project/executor:v1.24.0-debug' " +
                            "(got ${describe(entry.value)})"
                    }
                }
            }
        }
        for (String key : ['pushSecret', 'serviceAccount']) {
            if (agent.containsKey(key) && !(agent[key] instanceof CharSequence && agent[key].toString() ==~ NAMESPACE)) {
                found << "agent.${key}: '${agent[key]}' is not a Kubernetes object name (lowercase letters, digits and -)"
            }
        }
    }

    private static void unknownKeys(List<String> found, String where, Map given, List<String> known) {
        for (def key : given.keySet()) {
            if (!known.contains(key.toString())) {
                String hint = closest(key.toString(), known)
                found << "${where}: unknown key '${key}'" + (hint ? " (did you mean '${hint}'?)" : '') + "; known keys: ${known.join(', ')}"
            }
        }
    }

    /** The known key nearest to a misspelt one (edit distance at most 2), or null. */
    static String closest(String word, List<String> known) {
        String best = null
        int bestDistance = 3
        for (String candidate : known) {
            int distance = editDistance(word.toLowerCase(), candidate.toLowerCase())
            if (distance < bestDistance) {
                best = candidate
                bestDistance = distance
            }
        }
        return best
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1]
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] current = new int[b.length() + 1]
            current[0] = i
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost)
            }
            previous = current
        }
        return previous[b.length()]
    }

    private static String describe(def value) {
        if (value == null) {
            return 'null'
        }
        if (value instanceof CharSequence) {
            return "'${value}'"
        }
        return "${value} (${value.getClass().simpleName})"
    }

    /** The settings with defaults filled in; call only when problems() is empty. */
    static Map resolve(Map settings, String registryFromEnv) {
        Map branches = defaultBranches()
        if (settings.branches instanceof Map) {
            for (def entry : (settings.branches as Map).entrySet()) {
                String name = entry.key.toString()
                Map merged = [push: false, deploy: false, namespace: defaultNamespace(name)]
                if (branches.containsKey(name)) {
                    merged.putAll(branches[name] as Map)
                }
                merged.putAll(entry.value as Map)
                branches[name] = merged
            }
        }
        Map agent = [builder: Agent.DEFAULT_BUILDER, allowPrivilegedDockerSocket: false, images: [:],
                     pushSecret: Agent.DEFAULT_PUSH_SECRET, serviceAccount: Agent.DEFAULT_SERVICE_ACCOUNT]
        if (settings.agent instanceof Map) {
            agent.putAll(settings.agent as Map)
        }
        Map images = [:]
        images.putAll(Agent.DEFAULT_IMAGES)
        images.putAll(agent.images as Map)
        agent.images = images
        def discord = settings.containsKey('discord') ? settings.discord : DEFAULT_DISCORD_CREDENTIAL
        return [
            service    : settings.service.toString(),
            registry   : (settings.containsKey('registry') ? settings.registry : registryFromEnv).toString(),
            branches   : branches,
            discord    : (discord == false || discord == null) ? null : discord.toString(),
            agent      : agent,
            sharedPaths: strings(settings.containsKey('sharedPaths') ? settings.sharedPaths as List : ['jenkins']),
            k8sDir     : (settings.k8sDir ?: 'k8s').toString(),
        ]
    }

    private static List<String> strings(List values) {
        List<String> result = []
        for (def value : values) {
            result << value.toString()
        }
        return result
    }

    /** What a branch does: the entry for its exact name, else the first glob ('release/*') that matches, else build only. */
    static Map branch(Map config, String name) {
        Map branches = config.branches as Map
        if (branches.containsKey(name)) {
            return [name: name] + (branches[name] as Map)
        }
        for (def entry : branches.entrySet()) {
            String pattern = entry.key.toString()
            if (pattern.contains('*') && name ==~ globToRegex(pattern)) {
                return [name: name] + (entry.value as Map)
            }
        }
        return [name: name, push: false, deploy: false, namespace: null]
    }

    private static String globToRegex(String glob) {
        StringBuilder regex = new StringBuilder()
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i)
            if (c == '*' as char) {
                regex.append('.*')
            } else {
                regex.append(java.util.regex.Pattern.quote(String.valueOf(c)))
            }
        }
        return regex.toString()
    }

    private static String defaultNamespace(String branch) {
        String name = branch.toLowerCase().replaceAll(/[^a-z0-9-]+/, '-').replaceAll(/^-+|-+$/, '')
        return name.length() > 63 ? name.substring(0, 63) : name
    }
}
