// Under the SQL editor: the instant lint as one types (POST /api/v1/sql/lint, a moment after the
// last keystroke), and on request Flink's own validation, the plans of the INSERTs, and the
// rewrite of legacy `connector.type` options shown as a diff to accept.
import { Alert, Badge, Button, Code, Group, Modal, ScrollArea, Stack, Text } from "@mantine/core";
import { useEffect, useState } from "react";
import { sqlWorkbench } from "../api/endpoints";
import type { SqlCheckBody, SqlFinding } from "../api/types";
import { describeError } from "../api/errors";
import { useAction } from "../lib/hooks";

const COLORS: Record<string, string> = { error: "red", warning: "orange", info: "gray" };

// The findings of the newest lint of `body.sql`, `delay` ms after it last changed.
export function useSqlLint(body: SqlCheckBody, delay = 400): { findings: SqlFinding[]; error: string | null } {
  const [findings, setFindings] = useState<SqlFinding[]>([]);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(body);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      sqlWorkbench.lint(JSON.parse(key) as SqlCheckBody).then(
        (answer) => { if (live) { setFindings(answer.findings); setError(null); } },
        (err) => { if (live) setError(describeError(err)); },
      );
    }, delay);
    return () => { live = false; clearTimeout(timer); };
  }, [key, delay]);
  return { findings, error };
}

export function FindingList({ findings, testId }: { findings: SqlFinding[]; testId?: string }) {
  if (findings.length === 0) return null;
  return (
    <Stack gap={2} data-testid={testId}>
      {findings.map((f, i) => (
        <Group key={i} gap={6} wrap="nowrap" align="flex-start">
          <Badge size="xs" color={COLORS[f.severity] ?? "gray"} variant="light" style={{ flexShrink: 0 }}>{f.severity}</Badge>
          <Text size="xs" style={{ whiteSpace: "pre-wrap" }}>
            <Text span size="xs" fw={500}>Line {f.line}{f.column ? `:${f.column}` : ""}</Text> {f.message} <Text span size="xs" c="dimmed">[{f.code}]</Text>
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

export function SqlChecks({ body, onReplace, editable }: { body: SqlCheckBody; onReplace: (sql: string) => void; editable: boolean }) {
  const lint = useSqlLint(body);
  const action = useAction();
  const [validated, setValidated] = useState<{ valid: boolean; findings: SqlFinding[]; note: string } | null>(null);
  const [plans, setPlans] = useState<{ statement_line: number; plan: string }[] | null>(null);
  const [migration, setMigration] = useState<{ sql: string; diff: string; changes: { line: number; from: string; to: string; note?: string }[] } | null>(null);
  const legacy = lint.findings.some((f) => f.code === "legacy-options");
  const canAskFlink = !!body.app_id || !!body.flink_env_id;

  async function validate() {
    const outcome = await action.run("Checking the SQL with Flink", () => sqlWorkbench.validate(body), "Checked by Flink");
    if (outcome.ok) setValidated({ valid: outcome.value.valid, findings: outcome.value.findings, note: `Flink ${outcome.value.flink_version ?? ""} in ${outcome.value.millis ?? "?"} ms` });
  }
  async function explain() {
    const outcome = await action.run("Asking Flink for the plans", () => sqlWorkbench.explain(body), "Plans ready");
    if (outcome.ok) {
      if (outcome.value.findings.some((f) => f.severity === "error")) setValidated({ valid: false, findings: outcome.value.findings, note: "" });
      else setPlans(outcome.value.plans);
    }
  }
  async function migrate() {
    const outcome = await action.run("Rewriting the legacy options", () => sqlWorkbench.migrate(body), "Rewrite ready to review");
    if (outcome.ok) setMigration(outcome.value);
  }

  return (
    <Stack gap={6} data-testid="sql-checks">
      <Group gap="xs">
        <Text size="xs" c="dimmed" data-testid="lint-summary">
          {lint.error ? `Lint unavailable: ${lint.error}` : lint.findings.length === 0 ? "No problems found as you type." : `${lint.findings.length} finding${lint.findings.length === 1 ? "" : "s"}:`}
        </Text>
        <Group gap={4} ml="auto">
          {legacy && editable && <Button size="compact-xs" color="orange" variant="light" onClick={migrate} loading={action.running}>Migrate legacy options…</Button>}
          <Button size="compact-xs" variant="light" onClick={validate} loading={action.running} disabled={!canAskFlink} title={canAskFlink ? undefined : "Choose a Flink environment first"}>Check with Flink</Button>
          <Button size="compact-xs" variant="light" onClick={explain} loading={action.running} disabled={!canAskFlink}>Explain</Button>
        </Group>
      </Group>
      <FindingList findings={lint.findings} testId="lint-findings" />
      {validated && (
        <Alert color={validated.valid ? "green" : "red"} title={validated.valid ? "Flink accepts this SQL" : "Flink rejects this SQL"} withCloseButton onClose={() => setValidated(null)} data-testid="validation">
          {validated.note && <Text size="xs" c="dimmed">{validated.note}</Text>}
          <FindingList findings={validated.findings} />
        </Alert>
      )}
      {plans && (
        <Modal opened onClose={() => setPlans(null)} title="Plans of the INSERT statements" size="xl">
          <Stack>
            {plans.length === 0 && <Text size="sm">The script has no INSERT to plan.</Text>}
            {plans.map((p) => (
              <Stack key={p.statement_line} gap={4}>
                <Text size="sm" fw={500}>The INSERT at line {p.statement_line}</Text>
                <ScrollArea.Autosize mah={360}><Code block data-testid="plan">{p.plan}</Code></ScrollArea.Autosize>
              </Stack>
            ))}
          </Stack>
        </Modal>
      )}
      {migration && (
        <Modal opened onClose={() => setMigration(null)} title="Rewrite the legacy options" size="xl">
          <Stack>
            <Text size="sm">Only the legacy <Code>connector.type</Code>-style options change; comments and layout stay. Review it, then accept it into the editor (saving makes a new version).</Text>
            {migration.changes.filter((c) => c.note).map((c, i) => (
              <Alert key={i} color="yellow" p="xs"><Text size="xs">Line {c.line}: {c.note}</Text></Alert>
            ))}
            <ScrollArea.Autosize mah={420}><Code block data-testid="migration-diff">{migration.diff}</Code></ScrollArea.Autosize>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setMigration(null)}>Keep my SQL</Button>
              <Button onClick={() => { onReplace(migration.sql); setMigration(null); }}>Accept the rewrite</Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </Stack>
  );
}
