package baremetal.pipeline

/** Texts of the Discord messages (sent with the Discord Notifier plugin's discordSend step). */
class Discord implements Serializable {

    // Discord's embed description limit is 4096; the plugin adds its own lines.
    static final int DESCRIPTION_LIMIT = 2000

    /** A problem with the webhook URL, or null. The URL is a secret: the message never contains it. */
    static String webhookProblem(String credentialsId, String url) {
        if (url == null || !url.trim()) {
            return "the Discord credential '${credentialsId}' is empty: store the webhook URL " +
                '(https://discord.com/api/webhooks/<id>/<token>) in it, or set discord: false'
        }
        if (!url.trim().startsWith('https://')) {
            return "the Discord webhook in credential '${credentialsId}' is not an https:// URL: store the webhook as " +
                'https://discord.com/api/webhooks/<id>/<token> (Discord gives it under Channel settings > Integrations > Webhooks)'
        }
        return null
    }

    static String started(String service, String branch, String image, List<String> changelog) {
        String text = "Build of **${service}** started on branch `${branch}` (image ${image})"
        if (changelog) {
            text += '\nChanges:\n' + changelog.join('\n')
        }
        return limit(text)
    }

    static String deployed(String service, String image, String namespace) {
        return "**${service}** deployed: ${image} in namespace `${namespace}`"
    }

    static String failed(String service, String branch, String stage, String message) {
        return limit("Build of **${service}** on branch `${branch}` failed in stage ${stage ?: '(before the first stage)'}: ${message}")
    }

    static String limit(String text) {
        return text.length() <= DESCRIPTION_LIMIT ? text : text.substring(0, DESCRIPTION_LIMIT - 3) + '...'
    }
}
