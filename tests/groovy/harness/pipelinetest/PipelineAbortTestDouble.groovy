package pipelinetest

/** Stands in for hudson.AbortException: what the error step and a failing sh throw. */
class PipelineAbortTestDouble extends RuntimeException {
    PipelineAbortTestDouble(String message) {
        super(message)
    }
}
