package pipelinetest

/** A minimal test runner for the Groovy test scripts: named cases, power-assert messages, a closing summary line. */
class TestRunner {

    final String suite
    final List<String> only
    int passed = 0
    int failed = 0

    TestRunner(String suite, String[] args) {
        this.suite = suite
        this.only = args ? (args as List<String>) : []
    }

    void test(String name, Closure body) {
        if (only && !only.any { name.contains(it) }) {
            return
        }
        try {
            body()
            passed++
            println "ok - ${name}"
        } catch (Throwable failure) {
            failed++
            println "not ok - ${name}"
            println failure.toString().readLines().collect { '    ' + it }.join('\n')
            StackTraceElement here = failure.stackTrace.find { it.fileName?.endsWith('Test.groovy') }
            if (here) {
                println "    at ${here.fileName}:${here.lineNumber}"
            }
        }
    }

    /** Print the summary; the process exit code (non-zero when a case failed or none ran). */
    int finish() {
        println "${suite}: ${passed} passed, ${failed} failed"
        return failed == 0 && passed > 0 ? 0 : 1
    }
}
