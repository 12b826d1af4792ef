// The team's variables, used in SQL and configuration as ${name}: create, edit, delete. Secret
// values never come back from the API (they read "******"); editing one means typing it again.
import { Badge, Button, Code, Group, Modal, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { FormEvent, useState } from "react";
import { variables } from "../api/endpoints";
import type { Variable } from "../api/types";
import { EmptyState, ErrorAlert, FormError, Loading, PageHeader, formatTime } from "../components/common";
import { useAction, useLoad } from "../lib/hooks";
import { canEdit, useSession } from "../session";

export function VariablesPage() {
  const { me, team } = useSession();
  const list = useLoad(() => variables.list(team?.id), [team?.id]);
  const [editing, setEditing] = useState<Variable | "new" | null>(null);
  const action = useAction();
  const editable = canEdit(me, team?.id);
  async function remove(v: Variable) {
    const outcome = await action.run(`Deleting ${v.name}`, () => variables.remove(v.id), `${v.name} deleted`);
    if (outcome.ok) list.reload();
  }
  return (
    <>
      <PageHeader title="Variables" description={team ? <>Values of team {team.name} that SQL and configuration use as <Code>{"${name}"}</Code></> : undefined}>
        <Button onClick={() => setEditing("new")} disabled={!editable || !team}>New variable</Button>
      </PageHeader>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {action.error && <FormError text={action.error} />}
      {list.loading && !list.data ? <Loading /> : list.data && list.data.items.length === 0 ? (
        <EmptyState title="No variables" action={editable ? <Button onClick={() => setEditing("new")}>Create a variable</Button> : undefined}>
          Keep addresses and passwords out of the SQL: define them once here (secret ones stay masked) and write {"${name}"}.
        </EmptyState>
      ) : list.data && (
        <Table striped data-testid="variables-table">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Value</Table.Th><Table.Th>Description</Table.Th><Table.Th>Changed</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {list.data.items.map((v) => (
              <Table.Tr key={v.id} data-testid={`variable-${v.name}`}>
                <Table.Td><Code>{v.name}</Code></Table.Td>
                <Table.Td>{v.secret ? <Group gap={4}><Code>******</Code><Badge size="xs" color="red" variant="light">secret</Badge></Group> : <Code style={{ wordBreak: "break-all" }}>{v.value}</Code>}</Table.Td>
                <Table.Td><Text size="sm">{v.description}</Text></Table.Td>
                <Table.Td>{formatTime(v.updated_at)}</Table.Td>
                <Table.Td>{editable && <Group gap={4} wrap="nowrap"><Button size="compact-xs" variant="subtle" onClick={() => setEditing(v)}>Edit</Button><Button size="compact-xs" color="red" variant="subtle" onClick={() => remove(v)}>Delete</Button></Group>}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {editing && team && <Edit teamId={team.id} variable={editing === "new" ? null : editing} onClose={() => setEditing(null)} onDone={list.reload} />}
    </>
  );
}

function Edit({ teamId, variable, onClose, onDone }: { teamId: number; variable: Variable | null; onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState(variable?.name ?? "");
  const [value, setValue] = useState(variable && !variable.secret ? variable.value : "");
  const [secret, setSecret] = useState(variable?.secret ?? false);
  const [description, setDescription] = useState(variable?.description ?? "");
  const action = useAction();
  // A secret's value is not known here: left empty, it is kept as it is.
  const keepSecret = !!variable?.secret && secret && value === "";
  async function submit(e: FormEvent) {
    e.preventDefault();
    const outcome = variable
      ? await action.run(`Saving ${name}`, () => variables.update(variable.id, {
          name: name !== variable.name ? name.trim() : undefined,
          value: keepSecret ? undefined : value,
          secret: secret !== variable.secret ? secret : undefined,
          description: description !== (variable.description ?? "") ? description : undefined,
        }), `${name} saved`)
      : await action.run(`Creating ${name}`, () => variables.create({ team_id: teamId, name: name.trim(), value, secret, description: description || undefined }), `${name} created`);
    if (outcome.ok) { onDone(); onClose(); }
  }
  return (
    <Modal opened onClose={onClose} title={variable ? `Edit ${variable.name}` : "New variable"}>
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} description="Letters, digits and _ ; used as ${name}" />
          <TextInput label="Value" type={secret ? "password" : "text"} value={value} onChange={(e) => setValue(e.currentTarget.value)}
            placeholder={variable?.secret ? "Unchanged (type to replace the secret)" : undefined} autoComplete="off" />
          <Switch label="Secret (masked in answers, logs and the start log)" checked={secret} onChange={(e) => setSecret(e.currentTarget.checked)} />
          <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          <FormError text={action.error} />
          <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button><Button type="submit" loading={action.running} disabled={!name.trim() || (!variable && !value)}>{variable ? "Save" : "Create"}</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}
