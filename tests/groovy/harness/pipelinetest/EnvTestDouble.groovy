package pipelinetest

/** Stands in for the env global variable (null for unset names, like Jenkins). */
class EnvTestDouble extends LinkedHashMap<String, String> {
}
