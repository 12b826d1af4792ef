import { Button, Grid, Group, Modal, NavLink, Paper, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { FormEvent, useState } from "react";
import { teams, users } from "../api/endpoints";
import type { Team } from "../api/types";
import { EmptyState, ErrorAlert, FormError, Loading, PageHeader } from "../components/common";
import { useAction, useLoad } from "../lib/hooks";
import { useSession } from "../session";

const ROLES = [
  { value: "owner", label: "owner: manages the team and its members" },
  { value: "developer", label: "developer: edits and runs applications" },
  { value: "viewer", label: "viewer: looks only" },
];

export function TeamsPage() {
  const { me, refresh } = useSession();
  const list = useLoad(() => teams.list(), []);
  const [selected, setSelected] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  if (!me?.is_admin) return <EmptyState title="Administrators only">Team owners manage members from their team's page; ask an administrator for a new team.</EmptyState>;
  const items = list.data?.items ?? [];
  const current = items.find((t) => t.id === selected) ?? items[0];

  return (
    <>
      <PageHeader title="Teams and members" description="Applications, clusters' use and tokens belong to a team; members have a role in it.">
        <Button onClick={() => setCreating(true)}>New team</Button>
      </PageHeader>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : items.length === 0 ? (
        <EmptyState title="No teams yet" action={<Button onClick={() => setCreating(true)}>Create a team</Button>}>Create a team, then add people to it.</EmptyState>
      ) : (
        <Grid>
          <Grid.Col span={3}>
            <Paper withBorder p={4} data-testid="teams-list">
              {items.map((team) => (
                <NavLink key={team.id} label={team.name} description={team.description} active={current?.id === team.id} onClick={() => setSelected(team.id)} />
              ))}
            </Paper>
          </Grid.Col>
          <Grid.Col span={9}>{current && <Members team={current} onChanged={refresh} />}</Grid.Col>
        </Grid>
      )}
      <NewTeam opened={creating} onClose={() => setCreating(false)} onCreated={(team) => { list.reload(); setSelected(team.id); void refresh(); }} />
    </>
  );
}

function Members({ team, onChanged }: { team: Team; onChanged: () => void }) {
  const members = useLoad(() => teams.members(team.id), [team.id]);
  const people = useLoad(() => users.list(), []);
  const [userId, setUserId] = useState<string | null>(null);
  const [role, setRole] = useState<string>("developer");
  const action = useAction();

  async function add(event: FormEvent) {
    event.preventDefault();
    if (!userId) return;
    const outcome = await action.run("Adding the member", () => teams.addMember(team.id, { user_id: Number(userId), role }), "Member added");
    if (outcome.ok) { setUserId(null); members.reload(); onChanged(); }
  }
  async function change(memberId: number, newRole: string) {
    const outcome = await action.run("Changing the role", () => teams.setRole(team.id, memberId, newRole), "Role changed");
    if (outcome.ok) { members.reload(); onChanged(); }
  }
  async function remove(memberId: number, name: string) {
    const outcome = await action.run(`Removing ${name}`, () => teams.removeMember(team.id, memberId), `${name} removed`);
    if (outcome.ok) { members.reload(); onChanged(); }
  }

  const memberIds = new Set((members.data?.items ?? []).map((m) => m.user_id));
  const candidates = (people.data?.items ?? []).filter((u) => !memberIds.has(u.id)).map((u) => ({ value: String(u.id), label: u.username }));

  return (
    <Stack>
      <Title order={4}>Members of {team.name}</Title>
      <ErrorAlert error={members.error} onRetry={members.reload} />
      {members.loading && !members.data ? <Loading /> : members.data && members.data.items.length === 0 ? (
        <Text c="dimmed" size="sm">No members yet: add a user below.</Text>
      ) : (
        <Table data-testid="members-table">
          <Table.Thead><Table.Tr><Table.Th>User</Table.Th><Table.Th>Role</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {(members.data?.items ?? []).map((m) => (
              <Table.Tr key={m.user_id}>
                <Table.Td>{m.username}{m.display_name ? ` (${m.display_name})` : ""}</Table.Td>
                <Table.Td w={220}>
                  <Select size="xs" aria-label={`Role of ${m.username}`} allowDeselect={false} value={m.role} data={ROLES.map((r) => ({ value: r.value, label: r.value }))} onChange={(v) => v && v !== m.role && change(m.user_id, v)} />
                </Table.Td>
                <Table.Td w={100}><Button size="compact-xs" color="red" variant="subtle" onClick={() => remove(m.user_id, m.username)}>Remove</Button></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Paper withBorder p="sm" component="form" onSubmit={add}>
        <Group align="flex-end">
          <Select label="Add user" placeholder={candidates.length ? "Choose a user" : "Every user is a member"} searchable data={candidates} value={userId} onChange={setUserId} w={220} />
          <Select label="Role" data={ROLES} value={role} onChange={(v) => v && setRole(v)} allowDeselect={false} w={320} />
          <Button type="submit" disabled={!userId} loading={action.running}>Add member</Button>
        </Group>
        <FormError text={action.error} />
      </Paper>
    </Stack>
  );
}

function NewTeam({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (team: Team) => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const action = useAction();
  function close() { setName(""); setDescription(""); action.clear(); onClose(); }
  async function submit(event: FormEvent) {
    event.preventDefault();
    const outcome = await action.run(`Creating team ${name}`, () => teams.create({ name: name.trim(), description: description || undefined }), `Team ${name} created`);
    if (outcome.ok) { onCreated(outcome.value); close(); }
  }
  return (
    <Modal opened={opened} onClose={close} title="New team">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          <FormError text={action.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button type="submit" loading={action.running}>Create team</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
