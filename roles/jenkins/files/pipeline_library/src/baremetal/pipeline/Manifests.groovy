package baremetal.pipeline

/**
 * Configuration substitution for a service's k8s/*.yml (what the seed's Kubernetes Continuous Deploy plugin did):
 * the freshly pushed image replaces
 *   - every ${IMAGE} or $IMAGE placeholder, and
 *   - the reference of every "image:" whose repository is the service itself, with or without a registry, tag or
 *     digest ("image: frontend", "image: registry.example.com/frontend:v_322").
 * Images of other repositories (sidecars, init containers) stay as they are.
 */
class Manifests implements Serializable {

    static final String IMAGE_LINE = /^(\s*(?:-\s+)?image:\s*)(["']?)([^"'\s#]+)(["']?)(\s*(?:#.*)?)$/

    /** [text: rendered text, replaced: number of images replaced] */
    static Map render(String text, String service, String image) {
        int replaced = 0
        String[] lines = text.split('\n', -1)
        List<String> out = []
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i]
            java.util.regex.Matcher match = line =~ IMAGE_LINE
            if (match.matches() && match.group(2) == match.group(4) && repositoryName(match.group(3)) == service) {
                out << match.group(1) + match.group(2) + image + match.group(4) + match.group(5)
                replaced++
            } else {
                out << line
            }
        }
        String rendered = out.join('\n')
        for (String placeholder : ['${IMAGE}', '$IMAGE']) {
            int count = occurrences(rendered, placeholder)
            if (count > 0) {
                replaced += count
                rendered = rendered.replace(placeholder, image)
            }
        }
        return [text: rendered, replaced: replaced]
    }

    /** Last path component of an image reference without tag or digest: 'reg:5000/team/frontend:v_1' is 'frontend'. */
    static String repositoryName(String reference) {
        String ref = reference
        int at = ref.indexOf('@')
        if (at >= 0) {
            ref = ref.substring(0, at)
        }
        int slash = ref.lastIndexOf('/')
        int colon = ref.lastIndexOf(':')
        if (colon > slash) {
            ref = ref.substring(0, colon)
        }
        slash = ref.lastIndexOf('/')
        return slash >= 0 ? ref.substring(slash + 1) : ref
    }

    private static int occurrences(String text, String part) {
        int count = 0
        int from = text.indexOf(part)
        while (from >= 0) {
            count++
            from = text.indexOf(part, from + part.length())
        }
        return count
    }
}
