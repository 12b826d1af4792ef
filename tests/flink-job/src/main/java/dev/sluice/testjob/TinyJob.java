package dev.sluice.testjob;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A tiny Flink job for Sluice's tests. It only uses APIs that exist in both Flink 1.20 and 2.0
 * (fromSequence, a plain MapFunction, the Sink V2 DiscardingSink, configuration by key), so the
 * same source builds against either.
 *
 * <pre>
 *   --records N       a bounded sequence of N numbers through a map into a discarding sink; the job
 *                     FINISHES (the default, with N = 1000)
 *   --forever         an endless sequence, throttled by the map (--sleep-ms, default 1 ms per
 *                     record), checkpointing every 2 s: take a savepoint, stop or cancel it
 *   --fail-after N    the map throws after N records (per parallel instance); unless --restarts is
 *                     given the job then does not restart and ends FAILED
 *   --restarts K      fixed-delay restart strategy: K attempts, 1 s apart (K = 0: no restart)
 *   --sleep-ms MS     sleep MS milliseconds per record (default 1 with --forever, else 0)
 *   --parallelism P   the job's parallelism (default: the cluster's)
 *   --name NAME       the job name (default "sluice-tiny-job")
 * </pre>
 */
public final class TinyJob {
    private TinyJob() {}

    public static void main(String[] args) throws Exception {
        long records = 1000;
        boolean forever = false;
        long failAfter = -1;
        int restarts = -1;
        long sleepMs = -1;
        int parallelism = -1;
        String name = "sluice-tiny-job";

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--records":
                    records = parseLong(arg, value(args, ++i, arg));
                    break;
                case "--forever":
                    forever = true;
                    break;
                case "--fail-after":
                    failAfter = parseLong(arg, value(args, ++i, arg));
                    break;
                case "--restarts":
                    restarts = (int) parseLong(arg, value(args, ++i, arg));
                    break;
                case "--sleep-ms":
                    sleepMs = parseLong(arg, value(args, ++i, arg));
                    break;
                case "--parallelism":
                    parallelism = (int) parseLong(arg, value(args, ++i, arg));
                    break;
                case "--name":
                    name = value(args, ++i, arg);
                    break;
                default:
                    throw new IllegalArgumentException(
                            "unknown argument "
                                    + arg
                                    + " (use --records N | --forever, --fail-after N, --restarts K,"
                                    + " --sleep-ms MS, --parallelism P, --name NAME)");
            }
        }
        if (sleepMs < 0) {
            sleepMs = forever ? 1 : 0;
        }

        Configuration conf = new Configuration();
        if (failAfter >= 0 && restarts < 0) {
            restarts = 0;
        }
        if (restarts == 0) {
            set(conf, "restart-strategy.type", "none");
        } else if (restarts > 0) {
            set(conf, "restart-strategy.type", "fixed-delay");
            set(conf, "restart-strategy.fixed-delay.attempts", Integer.toString(restarts));
            set(conf, "restart-strategy.fixed-delay.delay", "1 s");
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (parallelism > 0) {
            env.setParallelism(parallelism);
        }
        if (forever) {
            env.enableCheckpointing(2000);
        }

        long last = forever ? Long.MAX_VALUE : records - 1;
        env.fromSequence(0, last)
                .name("sequence")
                .uid("sequence")
                .map(new Step(sleepMs, failAfter))
                .name("step")
                .uid("step")
                .sinkTo(new DiscardingSink<>())
                .name("discard")
                .uid("discard");
        env.execute(name);
    }

    /** Passes each number on, after an optional sleep; fails on purpose after failAfter records. */
    static final class Step implements MapFunction<Long, Long> {
        private static final long serialVersionUID = 1L;
        private final long sleepMs;
        private final long failAfter;
        private long seen;

        Step(long sleepMs, long failAfter) {
            this.sleepMs = sleepMs;
            this.failAfter = failAfter;
        }

        @Override
        public Long map(Long value) throws Exception {
            if (failAfter >= 0 && seen >= failAfter) {
                throw new IllegalStateException(
                        "sluice-tiny-job: failing on purpose after " + failAfter + " records");
            }
            seen++;
            if (sleepMs > 0) {
                Thread.sleep(sleepMs);
            }
            return value;
        }
    }

    private static void set(Configuration conf, String key, String value) {
        conf.set(ConfigOptions.key(key).stringType().noDefaultValue(), value);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static long parseLong(String option, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, not " + value, e);
        }
    }
}
