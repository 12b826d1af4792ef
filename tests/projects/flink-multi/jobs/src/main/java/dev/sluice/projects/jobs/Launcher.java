package dev.sluice.projects.jobs;

import java.lang.reflect.Method;
import java.util.Arrays;

/** The generic entry class: the first program argument names the job class, the rest are its. */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: Launcher <job class> [job arguments]");
        }
        Class<?> job = Class.forName(args[0]);
        Method main = job.getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    }
}
