package pipelinetest

/** Stands in for the scm global variable of a multibranch job. */
class ScmTestDouble {
    String url
    String branch
}
