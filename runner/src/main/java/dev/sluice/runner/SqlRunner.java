package dev.sluice.runner;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableConfig;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.config.TableConfigOptions;

/**
 * Sluice's Flink SQL runner: the main() that `bin/flink run ... -c dev.sluice.runner.SqlRunner
 * JOB.jar --script PATH [--name NAME]` starts. It runs the script's statements in order (SET and
 * RESET on the table config, DDL at once) and adds every INSERT to one StatementSet, submitted at
 * the end: one script, one Flink job, under the job ID the CLI was given
 * ({@code -D$internal.pipeline.job-id=...}). See README.md for the contract.
 *
 * <p>Failures are thrown as {@link ScriptException}s whose message is one line ("Statement at
 * line N failed: REASON"), which the CLI prints after "The program finished with the following
 * exception:". It never calls System.exit: in application mode main() runs inside the JobManager.
 */
public final class SqlRunner {
    static final String LOG_PREFIX = "sluice-runner: ";

    private SqlRunner() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--serve")) {
            // The long-lived validate mode (ValidatorServer): started by Sluice with plain `java`,
            // never by `flink run`.
            ValidatorServer.serve(args[1]);
            return;
        }
        Arguments a = Arguments.parse(args);
        String script = read(a.script);
        ScriptPlan plan = ScriptPlan.of(script);

        // The CLI's context environment: it carries the -D options of `flink run` (job id,
        // parallelism, checkpointing, ...) and submits to the cluster the CLI was pointed at.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        run(plan, tEnv, a.name);
    }

    static void run(ScriptPlan plan, StreamTableEnvironment tEnv, String name) throws ScriptException {
        TableConfig config = tEnv.getConfig();
        if (name != null) {
            config.set("pipeline.name", name);
        }
        // The options the script SET, for a bare SET (listing) and a bare RESET.
        Map<String, String> set = new LinkedHashMap<>();
        StatementSet statements = tEnv.createStatementSet();

        for (Command c : plan.commands()) {
            log("executing statement at line " + c.line());
            try {
                switch (c.kind()) {
                    case SET:
                        if (c.key() == null) {
                            set.forEach((k, v) -> log("  '" + k + "' = '" + (isSecretName(k) ? "******" : v) + "'"));
                        } else {
                            config.set(c.key(), c.value());
                            set.put(c.key(), c.value());
                        }
                        break;
                    case RESET:
                        // Removing the key from the script's layer of the table config brings back
                        // what the job was started with (the CLI's -D options, the cluster config).
                        if (c.key() == null) {
                            set.keySet().forEach(k -> config.getConfiguration().removeKey(k));
                            set.clear();
                        } else {
                            config.getConfiguration().removeKey(c.key());
                            set.remove(c.key());
                        }
                        if (name != null && (c.key() == null || c.key().equals("pipeline.name"))) {
                            config.set("pipeline.name", name);
                        }
                        break;
                    case INSERT:
                        statements.addInsertSql(c.statement().positioned());
                        break;
                    case BEGIN_SET:
                    case END_SET:
                        break;
                    case INFO:
                        tEnv.executeSql(c.statement().positioned()).print();
                        break;
                    case DDL:
                        TableResult r = tEnv.executeSql(c.statement().positioned());
                        Optional<JobClient> job = r.getJobClient();
                        if (job.isPresent()) {
                            // Flink ran the statement as a job (a kind the runner does not know):
                            // the script would be two jobs, so take it back and refuse.
                            job.get().cancel();
                            throw new ScriptException(c.line(), "this statement started a job of its"
                                    + " own (" + job.get().getJobID() + ", cancelled); a deployed"
                                    + " script is exactly one job");
                        }
                        break;
                    default:
                        throw new ScriptException(c.line(), c.problem());
                }
            } catch (ScriptException e) {
                throw e;
            } catch (Exception | LinkageError e) {
                throw new ScriptException(c.line(), Reasons.of(e), e);
            }
        }

        if (config.get(TableConfigOptions.TABLE_DML_SYNC)) {
            // A synchronous INSERT would keep the CLI (and so the deploy) waiting until a
            // streaming job ends, i.e. forever; a deploy is over once the job is submitted.
            log("ignoring table.dml-sync = true: the runner returns once the job is submitted");
            config.set(TableConfigOptions.TABLE_DML_SYNC, false);
        }
        log("submitting the INSERT statements at line"
                + (plan.inserts().size() > 1 ? "s " : " ")
                + plan.inserts().stream().map(c -> String.valueOf(c.line())).collect(Collectors.joining(", "))
                + " as one job");
        TableResult result;
        try {
            result = statements.execute();
        } catch (Exception | LinkageError e) {
            throw blame(plan, tEnv, e);
        }
        Optional<JobID> id = result.getJobClient().map(JobClient::getJobID);
        log("submitted job " + id.map(JobID::toString).orElse("(no job client)"));
    }

    /**
     * The statement behind a failed submission. Planning the whole set at once loses which INSERT
     * failed (an unknown connector, a sink that cannot take the rows), so each INSERT is planned on
     * its own (EXPLAIN: no job) and the first that fails is blamed. When all plan, the
     * submission itself failed (the cluster, the job ID already in use, ...).
     */
    private static ScriptException blame(ScriptPlan plan, StreamTableEnvironment tEnv, Throwable e) {
        for (Command c : plan.inserts()) {
            try {
                tEnv.explainSql(c.statement().positioned());
            } catch (Exception | LinkageError inner) {
                return new ScriptException(c.line(), Reasons.of(inner), inner);
            }
        }
        return new ScriptException(0, "Submitting the job failed: " + Reasons.of(e), e);
    }

    /** As Sluice's own masking (src/flink/submitter.h IsSecretName): the start log is shown to
     * users, so a value whose key names a secret is never printed. */
    static boolean isSecretName(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        return k.contains("password") || k.contains("secret") || k.contains("token") || k.contains("key");
    }

    private static void log(String line) {
        System.out.println(LOG_PREFIX + line);
        System.out.flush();
    }

    /** The script, strictly UTF-8: a file in another encoding fails here, not as odd SQL. */
    static String read(Path path) throws ScriptException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new ScriptException(0, "Cannot read the script " + path + ": " + e, e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ScriptException(0, "The script " + path + " is not valid UTF-8", e);
        }
    }

    /** --script PATH (required), --name NAME (optional); also --script=PATH, --name=NAME. */
    static final class Arguments {
        final Path script;
        final String name;

        private Arguments(Path script, String name) {
            this.script = script;
            this.name = name;
        }

        static Arguments parse(String[] args) throws ScriptException {
            String script = null;
            String name = null;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String option = arg;
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    option = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                }
                if (!option.equals("--script") && !option.equals("--name")) {
                    throw new ScriptException(0, "Unknown argument '" + arg + "'; " + USAGE);
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new ScriptException(0, option + " needs a value; " + USAGE);
                    }
                    value = args[++i];
                }
                if (option.equals("--script")) {
                    script = value;
                } else {
                    name = value;
                }
            }
            if (script == null || script.isEmpty()) {
                throw new ScriptException(0, "--script PATH is required; " + USAGE);
            }
            if (name != null && name.trim().isEmpty()) {
                throw new ScriptException(0, "--name must not be blank; " + USAGE);
            }
            return new Arguments(Paths.get(script), name);
        }

        static final String USAGE = "usage: dev.sluice.runner.SqlRunner --script PATH [--name NAME]";
    }
}
