package baremetal.pipeline

/** Quoting for the commands dockerBuild hands to the sh step (POSIX sh: dash, busybox). */
class Shell implements Serializable {

    /** value as one single-quoted shell word. */
    static String quote(String value) {
        return "'" + value.replace("'", "'\"'\"'") + "'"
    }

    /** values as shell words separated by spaces. */
    static String words(List<String> values) {
        List<String> quoted = []
        for (String value : values) {
            quoted << quote(value)
        }
        return quoted.join(' ')
    }
}
