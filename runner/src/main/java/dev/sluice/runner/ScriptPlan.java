package dev.sluice.runner;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A script turned into the commands to run, in order, after the checks that need no Flink:
 * statement sets are well formed (no nesting, only INSERTs inside, every BEGIN has its END, no END
 * without BEGIN) and there is at least one INSERT. Statement-set markers stay in the plan (the
 * runner logs them), but they change nothing: every INSERT of the script, inside a set or not,
 * goes into the one StatementSet the runner submits at the end, so a script is one Flink job.
 */
public final class ScriptPlan {
    private final List<Command> commands;
    private final List<Command> inserts;

    private ScriptPlan(List<Command> commands, List<Command> inserts) {
        this.commands = Collections.unmodifiableList(commands);
        this.inserts = Collections.unmodifiableList(inserts);
    }

    public List<Command> commands() {
        return commands;
    }

    /** The INSERT commands, in script order. */
    public List<Command> inserts() {
        return inserts;
    }

    /** Splits, classifies and checks {@code script}. */
    public static ScriptPlan of(String script) throws ScriptException {
        return of(StatementSplitter.split(script));
    }

    public static ScriptPlan of(List<Statement> statements) throws ScriptException {
        List<Command> commands = new ArrayList<>();
        List<Command> inserts = new ArrayList<>();
        Command openSet = null;
        for (Statement s : statements) {
            for (Command c : Command.classify(s)) {
                switch (c.kind()) {
                    case BEGIN_SET:
                        if (openSet != null) {
                            throw new ScriptException(c.line(), "a statement set cannot be nested: the"
                                    + " statement set begun on line " + openSet.line() + " has no END yet");
                        }
                        openSet = c;
                        break;
                    case END_SET:
                        if (openSet == null) {
                            throw new ScriptException(c.line(), "END without BEGIN STATEMENT SET or"
                                    + " EXECUTE STATEMENT SET BEGIN");
                        }
                        openSet = null;
                        break;
                    case INSERT:
                        inserts.add(c);
                        break;
                    case UNSUPPORTED:
                        throw new ScriptException(c.line(), c.problem());
                    default:
                        if (openSet != null) {
                            throw new ScriptException(c.line(), "only INSERT statements may be inside a"
                                    + " statement set (the one begun on line " + openSet.line()
                                    + "); END it first");
                        }
                        break;
                }
                commands.add(c);
            }
        }
        if (openSet != null) {
            throw new ScriptException(openSet.line(), "the statement set begun on this line has no END");
        }
        if (inserts.isEmpty()) {
            throw new ScriptException(0, "The script has no INSERT statement, so it would start no"
                    + " job: a Sluice SQL app must write its results with INSERT INTO (or INSERT"
                    + " OVERWRITE), inside or outside a statement set");
        }
        return new ScriptPlan(commands, inserts);
    }
}
