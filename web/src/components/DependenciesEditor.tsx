// The app editor's dependencies: Maven coordinates (add, remove, exclusions; "g:a:v" pasted into
// the group fills the row), uploaded jars picked from the team's resources, and "Check", which
// asks the server to resolve them all and shows the jars and any version conflicts.
import { ActionIcon, Alert, Badge, Button, Group, MultiSelect, Stack, Table, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { dependencies as dependencyApi } from "../api/endpoints";
import type { Resolution, Resource } from "../api/types";
import { DependencyValues, addRow, apiFromRows, dependencyError, removeRow, updateRow } from "../lib/dependencies";
import { useAction } from "../lib/hooks";
import { FormError } from "./common";

interface Props {
  teamId: number | null;
  value: DependencyValues;
  onChange: (value: DependencyValues) => void;
  resources: Resource[];
  readOnly?: boolean;
  error?: string;
}

export function DependenciesEditor({ teamId, value, onChange, resources, readOnly, error }: Props) {
  const [resolution, setResolution] = useState<Resolution | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const check = useAction();
  async function runCheck() {
    setResolution(null);
    check.clear();
    const found = dependencyError(value) ?? null;
    setProblem(found);
    if (found || !teamId) return;
    const outcome = await check.run("Resolving the dependencies", () => dependencyApi.resolve(teamId, apiFromRows(value)), "Dependencies resolved");
    if (outcome.ok) setResolution(outcome.value);
  }
  const field = (i: number, key: "group" | "artifact" | "version" | "classifier" | "exclusions", label: string, placeholder: string, flex: number) => (
    <TextInput aria-label={`Dependency ${i + 1} ${label}`} placeholder={placeholder} value={value.maven[i][key]} readOnly={readOnly} style={{ flex }} size="xs"
      onChange={(e) => { setProblem(null); onChange(updateRow(value, i, { [key]: e.currentTarget.value })); }} />
  );
  return (
    <Stack gap="xs" data-testid="dependencies">
      <Text size="xs" c="dimmed">Jars the job needs besides Flink's own: Maven coordinates (resolved by the server, cached) and jars uploaded under Resources. Paste group:artifact:version into the group field to fill a row.</Text>
      {value.maven.map((_, i) => (
        <Group key={i} gap={4} wrap="nowrap">
          {field(i, "group", "group", "group, e.g. org.apache.flink", 3)}
          {field(i, "artifact", "artifact", "artifact", 3)}
          {field(i, "version", "version", "version", 2)}
          {field(i, "classifier", "classifier", "classifier", 1.5)}
          {field(i, "exclusions", "exclusions", "exclusions g:a, g:a", 3)}
          {!readOnly && <ActionIcon variant="subtle" color="red" aria-label={`Remove dependency ${i + 1}`} onClick={() => onChange(removeRow(value, i))}>✕</ActionIcon>}
        </Group>
      ))}
      <MultiSelect label="Uploaded jars" placeholder={resources.length ? "Pick jars from Resources" : "No jars uploaded in this team"} size="xs" readOnly={readOnly} searchable clearable
        data={resources.map((r) => ({ value: String(r.id), label: `${r.name} (${r.file_name})` }))}
        value={value.resources.map(String)} onChange={(ids) => onChange({ ...value, resources: ids.map(Number) })} />
      <FormError text={problem ?? error ?? check.error} />
      <Group gap="xs">
        {!readOnly && <Button size="xs" variant="light" onClick={() => onChange(addRow(value))}>Add Maven dependency</Button>}
        <Button size="xs" variant="default" onClick={runCheck} loading={check.running} disabled={!teamId || (value.maven.length === 0 && value.resources.length === 0)}>Check</Button>
      </Group>
      {resolution && (
        <Stack gap={4} data-testid="resolution">
          {resolution.conflicts.length > 0 ? (
            <Alert color="red" title={`${resolution.conflicts.length} conflict${resolution.conflicts.length > 1 ? "s" : ""}: a deploy would be refused`}>
              {resolution.conflicts.map((c, i) => <Text key={i} size="sm">{c.group}:{c.artifact} ({c.versions.join(" vs ")}): {c.message}</Text>)}
            </Alert>
          ) : <Text size="sm" c="green">No conflicts: {resolution.jars.length} jar{resolution.jars.length === 1 ? "" : "s"}{resolution.from_cache ? " (from the cache)" : ""}.</Text>}
          <Table withTableBorder fz="xs">
            <Table.Thead><Table.Tr><Table.Th>Jar</Table.Th><Table.Th>From</Table.Th><Table.Th>Scope</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {resolution.jars.map((j) => (
                <Table.Tr key={j.file_name + j.source}>
                  <Table.Td>{j.file_name}{j.direct && <Badge ml={4} size="xs" variant="light">direct</Badge>}</Table.Td>
                  <Table.Td>{j.source}</Table.Td>
                  <Table.Td>{j.scope}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Stack>
  );
}
