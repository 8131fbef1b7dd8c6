package baremetal.pipeline

/**
 * The build agent: the pod the Kubernetes plugin starts for a dockerBuild run, and the commands that build and push.
 *
 * Default builder 'kaniko': the Kaniko executor builds the Dockerfile in userspace, without a daemon, into an image
 * tarball in the workspace; the Push stage pushes that tarball with crane (go-containerregistry), so nothing is built
 * twice. Neither container is privileged, mounts docker.sock or needs an Unconfined profile: the pod passes Pod Security
 * baseline (the executor runs as root inside its container, which restricted refuses). Both use the registry push
 * secret as their docker config.json.
 *
 * Builder 'buildkit': BuildKit rootless in daemonless mode (buildctl-daemonless.sh starts buildkitd for each command
 * inside the unprivileged container, as user 1000). Its user namespaces need seccomp and AppArmor Unconfined, which
 * only Pod Security privileged allows.
 *
 * Opt-in builder 'docker' (the seed's agent): a privileged container with the node's /var/run/docker.sock; Config
 * refuses it unless agent.allowPrivilegedDockerSocket is true.
 */
class Agent implements Serializable {

    static final String DEFAULT_BUILDER = 'kaniko'
    static final List<String> BUILDERS = ['kaniko', 'buildkit', 'docker']
    static final List<String> CONTAINERS = ['kaniko', 'crane', 'buildkit', 'docker', 'kubectl']
    /** Where the kaniko builder leaves the image for the Push stage (relative to the workspace, outside git's view). */
    static final String IMAGE_DIR = '.dockerbuild'
    static final String IMAGE_TARBALL = IMAGE_DIR + '/image.tar'
    static final String DEFAULT_PUSH_SECRET = 'registry-push'
    static final String DEFAULT_SERVICE_ACCOUNT = 'jenkins-deployer'
    // Defaults only: the jenkins role sets agent images for the cluster it installs (agent.images overrides per Jenkinsfile).
    // Kaniko's last release (the project was archived in June 2025; its -debug image has the shell the sh step needs).
    static final Map<String, String> DEFAULT_IMAGES = [
        kaniko  : 'gcr.io/kaniko-project/executor:v1.24.0-debug',
        crane   : 'gcr.io/go-containerregistry/crane/debug:v0.22.1',
        buildkit: 'docker.io/moby/buildkit:v0.26.2-rootless',
        docker  : 'docker.io/library/docker:29-cli',
        kubectl : 'docker.io/alpine/kubectl:1.34.2',
    ]

    /** The container that builds for this builder. */
    static String builderContainer(Map agent) {
        return agent.builder.toString()
    }

    /** The container that pushes for this builder: crane pushes what kaniko built, the others push themselves. */
    static String pushContainer(Map agent) {
        return agent.builder == 'kaniko' ? 'crane' : agent.builder.toString()
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
        if (agent.builder == 'kaniko') {
            yaml << '    - name: kaniko\n'
            yaml << "      image: ${images.kaniko}\n"
            yaml << '      command: [/busybox/cat]\n'
            yaml << '      tty: true\n'
            yaml << '      env:\n'
            yaml << '        - name: DOCKER_CONFIG\n'
            yaml << '          value: /kaniko/.docker\n'
            yaml << '      securityContext:\n'
            yaml << '        runAsUser: 0\n'
            yaml << '      volumeMounts:\n'
            yaml << '        - name: registry-push\n'
            yaml << '          mountPath: /kaniko/.docker\n'
            yaml << '          readOnly: true\n'
            yaml << '    - name: crane\n'
            yaml << "      image: ${images.crane}\n"
            yaml << '      command: [/busybox/cat]\n'
            yaml << '      tty: true\n'
            yaml << '      env:\n'
            yaml << '        - name: DOCKER_CONFIG\n'
            yaml << '          value: /docker-config\n'
            yaml << '      securityContext:\n'
            yaml << '        runAsUser: 65532\n'
            yaml << '        runAsNonRoot: true\n'
            yaml << '        allowPrivilegeEscalation: false\n'
            yaml << '      volumeMounts:\n'
            yaml << '        - name: registry-push\n'
            yaml << '          mountPath: /docker-config\n'
            yaml << '          readOnly: true\n'
        } else if (agent.builder == 'buildkit') {
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
        } else if (agent.builder == 'docker') {
            yaml << '    - name: docker-sock\n'
            yaml << '      hostPath:\n'
            yaml << '        path: /var/run/docker.sock\n'
            yaml << '        type: Socket\n'
        }
        return yaml.toString()
    }

    /** Shell command that builds the service's Dockerfile into image, without pushing. */
    static String buildCommand(Map agent, String context, String image) {
        if (agent.builder == 'kaniko') {
            String tarball = '"$PWD"/' + Shell.quote(IMAGE_TARBALL)
            String dir = '"$PWD"/' + Shell.quote(context)
            return "mkdir -p ${Shell.quote(IMAGE_DIR)} && " +
                "executor --context=${dir} --dockerfile=${dir}/Dockerfile --destination=${Shell.quote(image)}" +
                " --no-push --tar-path=${tarball}"
        }
        if (agent.builder == 'buildkit') {
            return buildkit(context, image, false)
        }
        return "docker build --pull -t ${Shell.quote(image)} -f ${Shell.quote(context + '/Dockerfile')} ${Shell.quote(context)}"
    }

    /**
     * Shell command that pushes image, without building again: crane pushes the tarball kaniko wrote in the Build stage;
     * BuildKit exports the Build stage's result from its cache (its state directory is an emptyDir that lives as long
     * as the pod).
     */
    static String pushCommand(Map agent, String context, String image) {
        if (agent.builder == 'kaniko') {
            return "crane push \"\$PWD\"/${Shell.quote(IMAGE_TARBALL)} ${Shell.quote(image)}"
        }
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
