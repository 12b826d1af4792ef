package dev.sluice.projects.tools;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A second module's job: a bounded sequence. */
public final class Tool {
    private Tool() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSequence(0, 1000).sinkTo(new DiscardingSink<>());
        env.execute("sluice-project-tool");
    }
}
