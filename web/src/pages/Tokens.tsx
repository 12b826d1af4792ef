import { Alert, Button, Code, CopyButton, Group, Modal, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { FormEvent, useState } from "react";
import { tokens } from "../api/endpoints";
import { EmptyState, ErrorAlert, FormError, Loading, PageHeader, formatTime } from "../components/common";
import { useAction, useLoad } from "../lib/hooks";
import { useSession } from "../session";

export function TokensPage() {
  const { me, team } = useSession();
  const list = useLoad(() => tokens.list(), []);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const action = useAction();
  const teamName = (id: number) => me?.teams.find((t) => t.id === id)?.name ?? `team ${id}`;

  async function revoke(id: number, name: string) {
    const outcome = await action.run(`Revoking ${name}`, () => tokens.remove(id), `Token ${name} revoked`);
    if (outcome.ok) list.reload();
  }

  return (
    <>
      <PageHeader title="API tokens" description="Tokens let scripts and CI call the API as you, within one team.">
        <Button onClick={() => setCreating(true)} disabled={!me?.teams.length}>New token</Button>
      </PageHeader>
      {secret && (
        <Alert color="green" title="Your new token: copy it now, it is shown only once" mb="md" withCloseButton onClose={() => setSecret(null)}>
          <Group>
            <Code data-testid="token-secret" style={{ fontSize: 14 }}>{secret}</Code>
            <CopyButton value={secret}>{({ copied, copy }) => <Button size="compact-sm" onClick={copy}>{copied ? "Copied" : "Copy"}</Button>}</CopyButton>
          </Group>
          <Text size="xs" mt="xs">Use it as <Code>Authorization: Bearer …</Code> or with <Code>sluice --token</Code>.</Text>
        </Alert>
      )}
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && list.data.items.length === 0 ? (
        <EmptyState title="No API tokens" action={me?.teams.length ? <Button onClick={() => setCreating(true)}>Create a token</Button> : undefined}>
          {me?.teams.length ? "Create a token for a script or a CI job." : "You need to be in a team to create a token."}
        </EmptyState>
      ) : list.data && (
        <Table striped data-testid="tokens-table">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Team</Table.Th><Table.Th>Starts with</Table.Th><Table.Th>Created</Table.Th><Table.Th>Expires</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {list.data.items.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td>{t.name}</Table.Td>
                <Table.Td>{teamName(t.team_id)}</Table.Td>
                <Table.Td><Code>{t.prefix ?? "…"}</Code></Table.Td>
                <Table.Td>{formatTime(t.created_at)}</Table.Td>
                <Table.Td>{t.expires_at ? formatTime(t.expires_at) : "never"}</Table.Td>
                <Table.Td><Button size="compact-xs" color="red" variant="subtle" onClick={() => revoke(t.id, t.name)}>Revoke</Button></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <NewToken opened={creating} defaultTeam={team?.id ?? null} onClose={() => setCreating(false)} onCreated={(s) => { setSecret(s); list.reload(); }} />
    </>
  );
}

function NewToken({ opened, defaultTeam, onClose, onCreated }: { opened: boolean; defaultTeam: number | null; onClose: () => void; onCreated: (secret: string) => void }) {
  const { me } = useSession();
  const [name, setName] = useState("");
  const [teamId, setTeamId] = useState<string | null>(defaultTeam ? String(defaultTeam) : null);
  const [days, setDays] = useState<string>("90");
  const action = useAction();
  function close() { setName(""); action.clear(); onClose(); }
  async function submit(event: FormEvent) {
    event.preventDefault();
    const team = teamId ?? (defaultTeam ? String(defaultTeam) : null);
    if (!team) return;
    const expires = days === "never" ? undefined : new Date(Date.now() + Number(days) * 86400_000).toISOString().replace(/\.\d+Z$/, "Z");
    const outcome = await action.run(`Creating token ${name}`, () => tokens.create({ name: name.trim(), team_id: Number(team), expires_at: expires }), "Token created");
    if (outcome.ok && outcome.value.token) { onCreated(outcome.value.token); close(); }
  }
  return (
    <Modal opened={opened} onClose={close} title="New API token">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Name" description="What uses it, e.g. ci-deploy" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Select label="Team" data={(me?.teams ?? []).map((t) => ({ value: String(t.id), label: t.name }))} value={teamId ?? (defaultTeam ? String(defaultTeam) : null)} onChange={setTeamId} allowDeselect={false} />
          <Select label="Expires" data={[{ value: "30", label: "in 30 days" }, { value: "90", label: "in 90 days" }, { value: "365", label: "in a year" }, { value: "never", label: "never" }]} value={days} onChange={(v) => v && setDays(v)} allowDeselect={false} />
          <FormError text={action.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button type="submit" loading={action.running}>Create token</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
