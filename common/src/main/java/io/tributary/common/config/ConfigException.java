package io.tributary.common.config;

import java.util.List;
import java.util.stream.Collectors;

/** Every problem found in a pipeline file or at start-up, reported together. Deployables exit with code 2. */
public final class ConfigException extends Exception {
    private final List<ConfigProblem> problems;

    public ConfigException(String what, List<ConfigProblem> problems) {
        super(what + ": " + problems.size() + " problem(s)\n" + problems.stream()
                .map(p -> "  - " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
