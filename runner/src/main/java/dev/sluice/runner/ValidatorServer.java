package dev.sluice.runner;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableConfig;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.factories.DecodingFormatFactory;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.EncodingFormatFactory;
import org.apache.flink.table.factories.Factory;

/**
 * The runner's long-lived validate mode: {@code java -cp <FLINK_HOME>/lib/*:runner.jar:<the app's
 * jars> dev.sluice.runner.SqlRunner --serve PORT_FILE}. It listens on 127.0.0.1 (a free port,
 * written to PORT_FILE once it listens) and answers, one request at a time:
 *
 * <ul>
 *   <li>{@code POST /validate} (body: the script): parses, validates and plans every statement in a
 *       fresh TableEnvironment with an in-memory catalog (DDL and SET run, INSERTs only explained),
 *       never executing anything. Answers {@code {"ok": true, "plans": [...]}} or {@code {"ok":
 *       false, "error": {"line": N, "message": "..."}}}; Flink's own "line X, column Y" in the
 *       message are the script's (statements are given to Flink padded to their place).
 *   <li>{@code POST /explain}: the same, with each INSERT's optimized plan in {@code plans}.
 *   <li>{@code GET /factories}: every table factory on the classpath: identifier, kinds (source,
 *       sink, format), required and optional option keys (fallback keys included).
 * </ul>
 *
 * <p>Every request must carry {@code X-Sluice-Token} equal to the SLUICE_VALIDATOR_TOKEN the
 * process was started with. The process ends when the process SLUICE_VALIDATOR_PARENT names
 * has ended, or when it is killed.
 */
final class ValidatorServer {
    private ValidatorServer() {}

    static void serve(String portFile) throws Exception {
        String token = System.getenv("SLUICE_VALIDATOR_TOKEN");
        if (token == null || token.isEmpty()) {
            throw new ScriptException(0, "--serve needs SLUICE_VALIDATOR_TOKEN in the environment");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.createContext("/", exchange -> {
            try {
                handle(exchange, token);
            } catch (Throwable t) {
                respond(exchange, 500, "{\"ok\":false,\"error\":{\"line\":0,\"message\":"
                        + quote("validator failure: " + Reasons.of(t)) + "}}");
            } finally {
                exchange.close();
            }
        });
        server.start();
        // Warm the planner up once, so that the first real check is fast too.
        try {
            validate("CREATE TABLE w (x INT) WITH ('connector' = 'datagen');\n"
                    + "CREATE TABLE b (x INT) WITH ('connector' = 'blackhole');\nINSERT INTO b SELECT x FROM w;", false);
        } catch (Throwable ignored) {
            // A broken classpath shows in the first real answer.
        }
        Path tmp = Paths.get(portFile + ".tmp");
        Files.write(tmp, String.valueOf(server.getAddress().getPort()).getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, Paths.get(portFile), StandardCopyOption.ATOMIC_MOVE);
        System.out.println(SqlRunner.LOG_PREFIX + "validator listening on 127.0.0.1:" + server.getAddress().getPort());
        System.out.flush();
        // Until the parent (SLUICE_VALIDATOR_PARENT, a pid) is gone, or until killed.
        String parent = System.getenv("SLUICE_VALIDATOR_PARENT");
        java.util.Optional<ProcessHandle> handle = parent == null || parent.isEmpty()
                ? java.util.Optional.empty() : ProcessHandle.of(Long.parseLong(parent.trim()));
        boolean watched = parent != null && !parent.isEmpty();
        while (watched ? handle.isPresent() && handle.get().isAlive() : true) {
            Thread.sleep(1000);
        }
        server.stop(0);
        System.exit(0);
    }

    private static void handle(HttpExchange exchange, String token) throws IOException {
        if (!token.equals(exchange.getRequestHeaders().getFirst("X-Sluice-Token"))) {
            respond(exchange, 403, "{\"ok\":false,\"error\":{\"line\":0,\"message\":\"bad token\"}}");
            return;
        }
        String path = exchange.getRequestURI().getPath();
        byte[] body = exchange.getRequestBody().readAllBytes();
        String script = new String(body, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        String answer;
        switch (path) {
            case "/validate":
                answer = validate(script, false);
                break;
            case "/explain":
                answer = validate(script, true);
                break;
            case "/factories":
                answer = factories();
                break;
            default:
                respond(exchange, 404, "{\"ok\":false,\"error\":{\"line\":0,\"message\":\"no such request\"}}");
                return;
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        respond(exchange, 200, answer.substring(0, answer.length() - 1) + ",\"millis\":" + millis + "}");
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Runs the script's DDL and SET in a fresh environment and plans its INSERTs. */
    static String validate(String script, boolean withPlans) {
        ScriptPlan plan;
        try {
            plan = ScriptPlan.of(script);
        } catch (ScriptException e) {
            return error(e.line(), e.getMessage());
        }
        TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        TableConfig config = tEnv.getConfig();
        List<String> plans = new ArrayList<>();
        for (Command c : plan.commands()) {
            try {
                switch (c.kind()) {
                    case SET:
                        if (c.key() != null) {
                            config.set(c.key(), c.value());
                        }
                        break;
                    case RESET:
                        if (c.key() != null) {
                            config.getConfiguration().removeKey(c.key());
                        }
                        break;
                    case INSERT:
                        String explained = tEnv.explainSql(c.statement().positioned());
                        if (withPlans) {
                            plans.add("{\"line\":" + c.line() + ",\"plan\":" + quote(explained) + "}");
                        }
                        break;
                    case BEGIN_SET:
                    case END_SET:
                    case INFO:
                        break;
                    case DDL:
                        tEnv.executeSql(c.statement().positioned());
                        break;
                    default:
                        return error(c.line(), c.problem());
                }
            } catch (Exception | LinkageError e) {
                return error(c.line(), reason(e));
            }
        }
        return "{\"ok\":true,\"plans\":[" + String.join(",", plans) + "]}";
    }

    /**
     * Reasons.of (the runner's most telling cause), and before it the message that names the
     * option when a value did not parse: Flink's root cause there ("For input string: ...")
     * does not say which option it was.
     */
    static String reason(Throwable e) {
        String reason = Reasons.of(e);
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains(" for key '")) {
                String first = m.split("\n", 2)[0].trim();
                return reason.contains(first) ? reason : first + " " + reason;
            }
        }
        return reason;
    }

    private static String error(int line, String message) {
        String m = message == null ? "" : message;
        String prefix = "Statement at line " + line + " failed: ";
        if (m.startsWith(prefix)) {
            m = m.substring(prefix.length());
        }
        return "{\"ok\":false,\"error\":{\"line\":" + line + ",\"message\":" + quote(m) + "}}";
    }

    /** Every table factory the classpath has, read with Java's ServiceLoader like Flink does. */
    static String factories() {
        List<String> out = new ArrayList<>();
        Iterator<Factory> it = ServiceLoader.load(Factory.class, Thread.currentThread().getContextClassLoader()).iterator();
        while (true) {
            Factory f;
            try {
                if (!it.hasNext()) {
                    break;
                }
                f = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                continue;  // a factory whose classes are incomplete: Flink skips it too
            }
            try {
                List<String> kinds = new ArrayList<>();
                if (f instanceof DynamicTableSourceFactory) {
                    kinds.add("source");
                }
                if (f instanceof DynamicTableSinkFactory) {
                    kinds.add("sink");
                }
                if (f instanceof DecodingFormatFactory || f instanceof EncodingFormatFactory) {
                    kinds.add("format");
                }
                if (kinds.isEmpty()) {
                    continue;  // catalogs, modules, planners, ...
                }
                out.add("{\"identifier\":" + quote(f.factoryIdentifier())
                        + ",\"class\":" + quote(f.getClass().getName())
                        + ",\"kinds\":" + list(kinds)
                        + ",\"required\":" + keys(f.requiredOptions(), false)
                        + ",\"optional\":" + keys(f.optionalOptions(), true) + "}");
            } catch (Exception | LinkageError e) {
                // skip a factory that cannot describe itself
            }
        }
        return "{\"ok\":true,\"factories\":[" + String.join(",", out) + "]}";
    }

    private static String keys(java.util.Set<ConfigOption<?>> options, boolean withFallbacks) {
        TreeSet<String> keys = new TreeSet<>();
        for (ConfigOption<?> o : options) {
            keys.add(o.key());
            if (withFallbacks) {
                for (FallbackKey k : o.fallbackKeys()) {
                    keys.add(k.getKey());
                }
            }
        }
        return list(new ArrayList<>(keys));
    }

    private static String list(List<String> items) {
        List<String> quoted = new ArrayList<>();
        for (String s : items) {
            quoted.add(quote(s));
        }
        return "[" + String.join(",", quoted) + "]";
    }

    /** A JSON string literal. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }
}
