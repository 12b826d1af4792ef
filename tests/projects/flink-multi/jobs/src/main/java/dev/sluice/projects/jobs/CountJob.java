package dev.sluice.projects.jobs;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** An endless, throttled count into a discarding sink (APIs common to Flink 1.20 and 2.0). */
public final class CountJob {
    private CountJob() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSequence(0, Long.MAX_VALUE)
                .map(new Throttle())
                .sinkTo(new DiscardingSink<>());
        env.execute(args.length > 0 ? args[0] : "sluice-project-count");
    }

    /** Sleeps a millisecond per record. */
    public static final class Throttle implements MapFunction<Long, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long map(Long value) throws Exception {
            Thread.sleep(1);
            return value;
        }
    }
}
