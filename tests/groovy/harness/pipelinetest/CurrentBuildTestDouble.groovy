package pipelinetest

/** Stands in for currentBuild (RunWrapper): result, currentResult, description, number. */
class CurrentBuildTestDouble {
    String result
    String description
    int number

    String getCurrentResult() {
        return result ?: 'SUCCESS'
    }
}
