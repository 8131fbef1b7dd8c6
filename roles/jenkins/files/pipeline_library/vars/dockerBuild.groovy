import baremetal.pipeline.Agent
import baremetal.pipeline.Changes
import baremetal.pipeline.Config
import baremetal.pipeline.Discord
import baremetal.pipeline.Manifests
import baremetal.pipeline.Shell

/*
 * dockerBuild: the shared pipeline of a monorepo service (see vars/dockerBuild.txt and the library's README.md).
 *
 *   dockerBuild(service: 'frontend')
 *   dockerBuild(service: 'frontend', branches: [qa: [push: true, deploy: true, namespace: 'qa']])
 *
 * Changes: build only when <service>/ or a shared folder (jenkins/) changed since this job's last successful build.
 * Build:   Discord "started" with the changelog; build <service>/Dockerfile (BuildKit rootless by default).
 * Push:    on branches with push: true, push <registry>/<service>:v_<BUILD_NUMBER>.
 * Deploy:  on branches with deploy: true, put that image into <service>/k8s/*.yml and server-side apply them to the
 *          branch's namespace; Discord "deployed". Any failure: Discord "failed", the build fails.
 */
def call(Map settings = [:]) {
    List<String> problems = Config.problems(settings, env.DOCKER_REGISTRY)
    if (problems) {
        error('dockerBuild: fix the Jenkinsfile:\n  - ' + problems.join('\n  - '))
    }
    Map config = Config.resolve(settings, env.DOCKER_REGISTRY)
    String image = "${config.registry}/${config.service}:v_${env.BUILD_NUMBER}"
    String builder = Agent.builderContainer(config.agent)
    String pusher = Agent.pushContainer(config.agent)
    Map state = [stage: null, branch: env.BRANCH_NAME, webhookBad: false]

    podTemplate(yaml: Agent.podYaml(config.agent)) {
        node(POD_LABEL) {
            try {
                Map decision = null
                stage('Changes') {
                    state.stage = 'Changes'
                    Map scmVars = checkout(scm)
                    if (!state.branch) {
                        state.branch = (scmVars.GIT_BRANCH ?: '').toString().replaceFirst(/^origin\//, '')
                    }
                    decision = detectChanges(config, scmVars)
                }
                if (!decision.build) {
                    echo "dockerBuild: ${config.service} is unchanged, nothing to build: ${decision.reason}"
                    currentBuild.description = 'unchanged: not built'
                    return
                }
                echo "dockerBuild: building ${config.service}: ${decision.reason}"
                Map target = Config.branch(config, state.branch.toString())

                stage('Build') {
                    state.stage = 'Build'
                    notifyDiscord(config, state, Discord.started(config.service, state.branch.toString(), image, decision.changelog as List), 'NOT_BUILT')
                    container(builder) {
                        sh Agent.buildCommand(config.agent, config.service, image)
                    }
                }
                stage('Push') {
                    state.stage = 'Push'
                    if (target.push) {
                        container(pusher) {
                            sh Agent.pushCommand(config.agent, config.service, image)
                        }
                    } else {
                        echo "dockerBuild: branch '${state.branch}' does not push (push is only on branches configured with push: true): " +
                            "${image} was built, not pushed"
                    }
                }
                stage('Deploy') {
                    state.stage = 'Deploy'
                    if (target.deploy) {
                        deployManifests(config, target, image)
                        notifyDiscord(config, state, Discord.deployed(config.service, image, target.namespace.toString()), 'SUCCESS')
                    } else {
                        echo "dockerBuild: branch '${state.branch}' does not deploy (deploy is only on branches configured with deploy: true)"
                    }
                }
                currentBuild.description = target.deploy ? "${image} in ${target.namespace}" : (target.push ? "${image} pushed" : 'built, not pushed')
            } catch (failure) {
                currentBuild.result = 'FAILURE'
                if (config.discord && !state.webhookBad) {
                    try {
                        notifyDiscord(config, state, Discord.failed(config.service, state.branch.toString(), state.stage, failure.message ?: failure.toString()),
                            'FAILURE')
                    } catch (notifyError) {
                        echo "dockerBuild: the Discord failure message was not sent: ${notifyError.message}"
                    }
                }
                throw failure
            }
        }
    }
}

/** Run the library's detect-changes.sh on the checked-out commit; [build:, reason:, changelog:]. */
def detectChanges(Map config, Map scmVars) {
    String head = scmVars.GIT_COMMIT ?: sh(returnStdout: true, script: 'git rev-parse HEAD').trim()
    String base = scmVars.GIT_PREVIOUS_SUCCESSFUL_COMMIT ?: ''
    String scriptFile = '.dockerBuild/detect-changes.sh'
    writeFile(file: scriptFile, text: libraryResource(Changes.SCRIPT))
    String output = sh(returnStdout: true, script: Changes.command(scriptFile, base, head, Changes.paths(config)))
    return Changes.parse(output)
}

/** Put image into <service>/<k8sDir>/*.yml and server-side apply them to the branch's namespace. */
def deployManifests(Map config, Map target, String image) {
    String source = "${config.service}/${config.k8sDir}"
    String rendered = ".dockerBuild/${config.service}/${config.k8sDir}"
    String listing = sh(returnStdout: true, script: "cd ${Shell.quote(source)} 2>/dev/null && ls -1 | grep -E '[.]ya?ml\$' || true").trim()
    if (!listing) {
        error("dockerBuild: ${source}/ has no *.yml or *.yaml to deploy: put the service's Kubernetes manifests there, " +
            "or set deploy: false for branch '${target.name}'")
    }
    sh "rm -rf ${Shell.quote(rendered)} && mkdir -p ${Shell.quote(rendered)}"
    int images = 0
    for (String file : listing.split('\n')) {
        Map result = Manifests.render(readFile("${source}/${file}"), config.service.toString(), image)
        images += (result.replaced as int)
        writeFile(file: "${rendered}/${file}", text: result.text)
    }
    if (images == 0) {
        error("dockerBuild: no image to replace in ${source}/*.yml: write the container's image as 'image: ${config.service}' " +
            "(any registry or tag) or 'image: \${IMAGE}', so the pipeline can put ${image} there")
    }
    echo "dockerBuild: deploying ${image} to namespace ${target.namespace} (${images} image reference(s) in ${source}/)"
    container('kubectl') {
        sh 'kubectl apply --server-side --force-conflicts --field-manager=dockerbuild ' +
            "--namespace ${Shell.quote(target.namespace.toString())} -f ${Shell.quote(rendered)}"
    }
}

/** discordSend with the webhook from the Jenkins credential config.discord (nothing when discord: false). */
def notifyDiscord(Map config, Map state, String description, String result) {
    if (!config.discord) {
        return
    }
    withCredentials([string(credentialsId: config.discord, variable: 'DOCKERBUILD_DISCORD_WEBHOOK')]) {
        String url = env.DOCKERBUILD_DISCORD_WEBHOOK
        String problem = Discord.webhookProblem(config.discord.toString(), url)
        if (problem) {
            state.webhookBad = true
            error("dockerBuild: ${problem}")
        }
        discordSend(webhookURL: url.trim(), title: "${env.JOB_NAME ?: config.service} #${env.BUILD_NUMBER}", link: env.BUILD_URL ?: '',
            description: description, result: result, footer: "dockerBuild ${config.service} ${state.branch}")
    }
}
