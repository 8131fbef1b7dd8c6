package pipelinetest

import java.nio.file.Files

/**
 * A real git repository in a temporary folder, laid out like the seed's monorepo: a copy of docs/examples/monorepo
 * (two services and the shared jenkins/ folder holding the library), committed on master, with staging and a
 * feature branch. Tests commit to it and the JenkinsTestDouble clones it for each build.
 */
class Monorepo {

    static final File EXAMPLE = new File(JenkinsTestDouble.REPO_ROOT, 'docs/examples/monorepo')

    final File dir

    Monorepo(File source = EXAMPLE) {
        dir = Files.createTempDirectory('dockerbuild-monorepo-').toFile()
        run(['cp', '-a', source.path + '/.', dir.path], dir)
        git(dir, 'init', '-q', '-b', 'master')
        git(dir, 'config', 'user.name', 'Test Developer')
        git(dir, 'config', 'user.email', 'developer@test.invalid')
        git(dir, 'config', 'commit.gpgsign', 'false')
        git(dir, 'add', '-A')
        git(dir, 'commit', '-q', '-m', 'Initial monorepo')
        git(dir, 'branch', 'staging')
        git(dir, 'branch', 'feature/login')
    }

    /** Write files (path relative to the repository: text) on branch and commit them; returns the commit. */
    String commit(String branch, Map<String, String> files, String message) {
        git(dir, 'checkout', '-q', branch)
        for (def entry : files.entrySet()) {
            File file = new File(dir, entry.key)
            file.parentFile.mkdirs()
            file.text = entry.value
        }
        git(dir, 'add', '-A')
        git(dir, 'commit', '-q', '-m', message)
        return git(dir, 'rev-parse', 'HEAD').trim()
    }

    /** Append a line to a file on branch and commit. */
    String touch(String branch, String path, String message) {
        git(dir, 'checkout', '-q', branch)
        File file = new File(dir, path)
        file.parentFile.mkdirs()
        file << "# ${message}\n"
        git(dir, 'add', '-A')
        git(dir, 'commit', '-q', '-m', message)
        return git(dir, 'rev-parse', 'HEAD').trim()
    }

    void close() {
        dir.deleteDir()
    }

    /** Run git in a folder; its output, or an exception with git's message. */
    static String git(File where, String... arguments) {
        return run(['git'] + (arguments as List<String>), where)
    }

    static String run(List<String> command, File where) {
        Process process = new ProcessBuilder(command).directory(where).redirectErrorStream(true).start()
        String output = process.inputStream.text
        if (process.waitFor() != 0) {
            throw new IllegalStateException("${command.join(' ')} failed in ${where}: ${output}")
        }
        return output
    }
}
