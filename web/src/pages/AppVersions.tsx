import { Anchor, Badge, Button, Group, Paper, SegmentedControl, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useEffect, useMemo, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { apps } from "../api/endpoints";
import { EmptyState, ErrorAlert, Loading, formatTime } from "../components/common";
import { DiffLine, diffLines, diffStats, sideBySide, versionText } from "../lib/diff";
import { useAction, useLoad } from "../lib/hooks";
import { canEdit, useSession } from "../session";

export function AppVersionsPage() {
  const { me } = useSession();
  const appId = Number(useParams().id);
  const app = useLoad(() => apps.get(appId), [appId]);
  const versions = useLoad(() => apps.versions(appId), [appId]);
  const items = useMemo(() => [...(versions.data?.items ?? [])].sort((a, b) => b.version - a.version), [versions.data]);
  const [left, setLeft] = useState<number | null>(null);
  const [right, setRight] = useState<number | null>(null);
  const [layout, setLayout] = useState<"split" | "unified">("split");
  const action = useAction();

  useEffect(() => {
    if (items.length >= 1 && right === null) setRight(items[0].version);
    if (items.length >= 2 && left === null) setLeft(items[1].version);
  }, [items, left, right]);

  const a = useLoad(() => (left ? apps.version(appId, left) : Promise.resolve(null)), [appId, left]);
  const b = useLoad(() => (right ? apps.version(appId, right) : Promise.resolve(null)), [appId, right]);
  const lines = useMemo<DiffLine[] | null>(() => {
    if (!a.data || !b.data) return null;
    return diffLines(versionText(a.data as never), versionText(b.data as never));
  }, [a.data, b.data]);

  async function restore(n: number) {
    const outcome = await action.run(`Restoring version ${n}`, () => apps.restoreVersion(appId, n), `Version ${n} restored as the newest version`);
    // Then compare the version restored with the new one it made (the same, by definition).
    if (outcome.ok) {
      versions.reload();
      app.reload();
      setLeft(n);
      setRight(outcome.value.draft_version ?? null);
    }
  }

  if (app.error) return <ErrorAlert error={app.error} title="Could not load the application" onRetry={app.reload} />;
  if ((app.loading && !app.data) || (versions.loading && !versions.data)) return <Loading what="Loading versions" />;
  const options = items.map((v) => ({ value: String(v.version), label: `v${v.version}${v.note ? ` — ${v.note}` : ""}` }));
  const mayRestore = canEdit(me, app.data?.team_id);
  const stats = lines ? diffStats(lines) : null;

  return (
    <Stack>
      <Group justify="space-between">
        <Stack gap={2}>
          <Group gap="xs"><Anchor component={Link} to="/apps" size="sm">Applications</Anchor><Text size="sm" c="dimmed">/</Text><Anchor component={Link} to={`/apps/${appId}`} size="sm">{app.data?.name}</Anchor></Group>
          <Title order={2}>Versions of {app.data?.name}</Title>
          <Text size="sm" c="dimmed">Every change to the SQL, dependencies or configuration is a new version; restoring one makes it the newest.</Text>
        </Stack>
      </Group>
      <ErrorAlert error={versions.error} onRetry={versions.reload} />
      <Table striped data-testid="versions-table">
        <Table.Thead><Table.Tr><Table.Th>Version</Table.Th><Table.Th>Note</Table.Th><Table.Th>By</Table.Th><Table.Th>When</Table.Th><Table.Th /></Table.Tr></Table.Thead>
        <Table.Tbody>
          {items.map((v) => (
            <Table.Tr key={v.version}>
              <Table.Td>v{v.version} {v.draft && <Badge size="xs" ml={4}>current</Badge>} {v.deployed && <Badge size="xs" color="green" ml={4}>deployed</Badge>}</Table.Td>
              <Table.Td>{v.note || "—"}</Table.Td>
              <Table.Td>{v.created_by ?? "—"}</Table.Td>
              <Table.Td>{formatTime(v.created_at)}</Table.Td>
              <Table.Td>{mayRestore && !v.draft && <Button size="compact-xs" variant="subtle" onClick={() => restore(v.version)} loading={action.running}>Restore</Button>}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {items.length < 2 ? (
        <EmptyState title="Only one version so far">Edit the application and save: each save that changes the SQL or configuration makes a version you can compare here.</EmptyState>
      ) : (
        <Paper withBorder p="md">
          <Group mb="sm" align="flex-end">
            <Select label="Compare" data={options} value={left ? String(left) : null} onChange={(v) => setLeft(v ? Number(v) : null)} w={260} allowDeselect={false} data-testid="diff-left" />
            <Select label="with" data={options} value={right ? String(right) : null} onChange={(v) => setRight(v ? Number(v) : null)} w={260} allowDeselect={false} data-testid="diff-right" />
            <SegmentedControl value={layout} onChange={(v) => setLayout(v as "split" | "unified")} data={[{ value: "split", label: "Side by side" }, { value: "unified", label: "Unified" }]} />
            {stats && <Text size="sm" data-testid="diff-stats"><Text span c="green">+{stats.added}</Text> <Text span c="red">−{stats.removed}</Text></Text>}
          </Group>
          <ErrorAlert error={a.error ?? b.error} title="Could not load a version" />
          {!lines ? <Loading what="Comparing" /> : stats && stats.added + stats.removed === 0 ? (
            <Text c="dimmed" size="sm">These versions are the same.</Text>
          ) : layout === "split" ? <SplitDiff lines={lines} /> : <UnifiedDiff lines={lines} />}
        </Paper>
      )}
    </Stack>
  );
}

function SplitDiff({ lines }: { lines: DiffLine[] }) {
  const rows = sideBySide(lines);
  return (
    <table className="diff" data-testid="diff">
      <tbody>
        {rows.map((row, i) => (
          <tr key={i}>
            <td className="no">{row.left?.no ?? ""}</td>
            <td className={row.left ? (row.left.changed ? "del" : "") : "empty"}>{row.left?.text ?? ""}</td>
            <td className="no">{row.right?.no ?? ""}</td>
            <td className={row.right ? (row.right.changed ? "add" : "") : "empty"}>{row.right?.text ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function UnifiedDiff({ lines }: { lines: DiffLine[] }) {
  return (
    <table className="diff" data-testid="diff">
      <tbody>
        {lines.map((line, i) => (
          <tr key={i}>
            <td className="no">{line.kind !== "add" ? line.oldNo : ""}</td>
            <td className="no">{line.kind !== "del" ? line.newNo : ""}</td>
            <td className={line.kind === "same" ? "" : line.kind}>{line.kind === "add" ? "+ " : line.kind === "del" ? "- " : "  "}{line.text}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
