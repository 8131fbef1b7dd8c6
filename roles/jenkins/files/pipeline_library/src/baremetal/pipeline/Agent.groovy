package baremetal.pipeline

/**
 * The build agent: the pod the Kubernetes plugin starts for a dockerBuild run, and the commands that build and push.
 *
 * Default builder 'buildkit': BuildKit rootless in daemonless mode (buildctl-daemonless.sh starts buildkitd for each
 * command inside the unprivileged container, as user 1000). It pushes with the registry push secret mounted as
 * ~/.docker/config.json. No docker.sock, no privileged container.
 *
 * Opt-in builder 'docker' (the seed's agent): a privileged container with the node's /var/run/docker.sock; Config
 * refuses it unless agent.allowPrivilegedDockerSocket is true.
 */
class Agent implements Serializable {

    static final String DEFAULT_BUILDER = 'buildkit'
    static final List<String> BUILDERS = ['buildkit', 'docker']
    static final List<String> CONTAINERS = ['buildkit', 'docker', 'kubectl']
    static final String DEFAULT_PUSH_SECRET = 'registry-push'
    static final String DEFAULT_SERVICE_ACCOUNT = 'jenkins-deployer'
    // Defaults only: the jenkins role sets agent images for the cluster it installs (agent.images overrides per Jenkinsfile).
    static final Map<String, String> DEFAULT_IMAGES = [
        buildkit: 'docker.io/moby/buildkit:v0.26.2-rootless',
        docker  : 'docker.io/library/docker:29-cli',
        kubectl : 'docker.io/alpine/kubectl:1.34.2',
    ]

    /** The container that builds and pushes for this builder. */
    static String builderContainer(Map agent) {
        return agent.builder.toString()
    }

    /** Pod YAML for the Kubernetes plugin's podTemplate(yaml: ...); the plugin adds its own jnlp container. */
    static String podYaml(Map agent) {
        Map images = agent.images as Map
        String secret = agent.pushSecret.toString()
        StringBuilder yaml = new StringBuilder()
        yaml << 'apiVersion: v1\n'
        yaml << 'kind: Pod\n'
        yaml << 'metadata:\n'
        yaml << '  labels:\n'
        yaml << '    app.kubernetes.io/managed-by: dockerBuild\n'
        yaml << 'spec:\n'
        yaml << "  serviceAccountName: ${agent.serviceAccount}\n"
        yaml << '  containers:\n'
        if (agent.builder == 'buildkit') {
            yaml << '    - name: buildkit\n'
            yaml << "      image: ${images.buildkit}\n"
            yaml << '      command: [cat]\n'
            yaml << '      tty: true\n'
            yaml << '      env:\n'
            yaml << '        - name: BUILDKITD_FLAGS\n'
            yaml << '          value: --oci-worker-no-process-sandbox\n'
            yaml << '        - name: DOCKER_CONFIG\n'
            yaml << '          value: /home/user/.docker\n'
            yaml << '      securityContext:\n'
            yaml << '        runAsUser: 1000\n'
            yaml << '        runAsGroup: 1000\n'
            yaml << '        runAsNonRoot: true\n'
            yaml << '        allowPrivilegeEscalation: true\n'
            yaml << '        seccompProfile:\n'
            yaml << '          type: Unconfined\n'
            yaml << '        appArmorProfile:\n'
            yaml << '          type: Unconfined\n'
            yaml << '      volumeMounts:\n'
            yaml << '        - name: registry-push\n'
            yaml << '          mountPath: /home/user/.docker\n'
            yaml << '          readOnly: true\n'
            yaml << '        - name: buildkit-state\n'
            yaml << '          mountPath: /home/user/.local/share/buildkit\n'
        } else {
            yaml << '    - name: docker\n'
            yaml << "      image: ${images.docker}\n"
            yaml << '      command: [cat]\n'
            yaml << '      tty: true\n'
            yaml << '      env:\n'
            yaml << '        - name: DOCKER_CONFIG\n'
            yaml << '          value: /docker-config\n'
            yaml << '      securityContext:\n'
            yaml << '        privileged: true\n'
            yaml << '      volumeMounts:\n'
            yaml << '        - name: docker-sock\n'
            yaml << '          mountPath: /var/run/docker.sock\n'
            yaml << '        - name: registry-push\n'
            yaml << '          mountPath: /docker-config\n'
            yaml << '          readOnly: true\n'
        }
        yaml << '    - name: kubectl\n'
        yaml << "      image: ${images.kubectl}\n"
        yaml << '      command: [cat]\n'
        yaml << '      tty: true\n'
        yaml << '      securityContext:\n'
        yaml << '        runAsUser: 1000\n'
        yaml << '        runAsNonRoot: true\n'
        yaml << '        allowPrivilegeEscalation: false\n'
        yaml << '  volumes:\n'
        yaml << '    - name: registry-push\n'
        yaml << '      secret:\n'
        yaml << "        secretName: ${secret}\n"
        yaml << '        items:\n'
        yaml << '          - key: .dockerconfigjson\n'
        yaml << '            path: config.json\n'
        if (agent.builder == 'buildkit') {
            yaml << '    - name: buildkit-state\n'
            yaml << '      emptyDir: {}\n'
        } else {
            yaml << '    - name: docker-sock\n'
            yaml << '      hostPath:\n'
            yaml << '        path: /var/run/docker.sock\n'
            yaml << '        type: Socket\n'
        }
        return yaml.toString()
    }

    /** Shell command that builds the service's Dockerfile into image, without pushing. */
    static String buildCommand(Map agent, String context, String image) {
        if (agent.builder == 'buildkit') {
            return buildkit(context, image, false)
        }
        return "docker build --pull -t ${Shell.quote(image)} -f ${Shell.quote(context + '/Dockerfile')} ${Shell.quote(context)}"
    }

    /**
     * Shell command that pushes image. BuildKit exports the build of the Build stage again from its cache (its state
     * directory is an emptyDir that lives as long as the pod), so nothing is built twice.
     */
    static String pushCommand(Map agent, String context, String image) {
        if (agent.builder == 'buildkit') {
            return buildkit(context, image, true)
        }
        return "docker push ${Shell.quote(image)}"
    }

    private static String buildkit(String context, String image, boolean push) {
        return 'buildctl-daemonless.sh build --frontend dockerfile.v0' +
            " --local context=${Shell.quote(context)} --local dockerfile=${Shell.quote(context)} --opt filename=Dockerfile" +
            " --output ${Shell.quote('type=image,name=' + image + ',push=' + push)}"
    }
}
