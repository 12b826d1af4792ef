import { Badge, Button, Checkbox, Group, Modal, PasswordInput, Stack, Table, TextInput } from "@mantine/core";
import { FormEvent, useState } from "react";
import { users } from "../api/endpoints";
import type { User } from "../api/types";
import { EmptyState, ErrorAlert, FormError, Loading, PageHeader, formatTime } from "../components/common";
import { useAction, useLoad } from "../lib/hooks";
import { useSession } from "../session";

export function UsersPage() {
  const { me } = useSession();
  const list = useLoad(() => users.list(), []);
  const [creating, setCreating] = useState(false);
  const action = useAction();
  if (!me?.is_admin) return <EmptyState title="Administrators only">Ask an administrator to manage users.</EmptyState>;

  async function toggleDisabled(user: User) {
    const outcome = await action.run(user.disabled ? `Enabling ${user.username}` : `Disabling ${user.username}`, () => users.update(user.id, { disabled: !user.disabled }));
    if (outcome.ok) list.reload();
  }

  return (
    <>
      <PageHeader title="Users" description="People who can log in. Add them to teams under Teams and members.">
        <Button onClick={() => setCreating(true)}>New user</Button>
      </PageHeader>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && (
        <Table striped highlightOnHover data-testid="users-table">
          <Table.Thead>
            <Table.Tr><Table.Th>User name</Table.Th><Table.Th>Name</Table.Th><Table.Th>E-mail</Table.Th><Table.Th>Role</Table.Th><Table.Th>Created</Table.Th><Table.Th /></Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((user) => (
              <Table.Tr key={user.id}>
                <Table.Td>{user.username}</Table.Td>
                <Table.Td>{user.display_name || "—"}</Table.Td>
                <Table.Td>{user.email || "—"}</Table.Td>
                <Table.Td>
                  {user.is_admin ? <Badge>admin</Badge> : <Badge variant="light" color="gray">user</Badge>}
                  {user.disabled && <Badge ml={4} color="red" variant="light">disabled</Badge>}
                </Table.Td>
                <Table.Td>{formatTime(user.created_at)}</Table.Td>
                <Table.Td>
                  {user.id !== me.id && (
                    <Button size="compact-xs" variant="subtle" color={user.disabled ? "blue" : "red"} onClick={() => toggleDisabled(user)}>
                      {user.disabled ? "Enable" : "Disable"}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <NewUser opened={creating} onClose={() => setCreating(false)} onCreated={list.reload} />
    </>
  );
}

function NewUser({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: () => void }) {
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [isAdmin, setIsAdmin] = useState(false);
  const action = useAction();

  function close() {
    setUsername(""); setDisplayName(""); setEmail(""); setPassword(""); setIsAdmin(false); action.clear();
    onClose();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const outcome = await action.run(`Creating user ${username}`, () =>
      users.create({ username: username.trim(), password, display_name: displayName || undefined, email: email || undefined, is_admin: isAdmin }),
    `User ${username} created`);
    if (outcome.ok) { onCreated(); close(); }
  }

  return (
    <Modal opened={opened} onClose={close} title="New user">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="User name" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
          <TextInput label="Display name" value={displayName} onChange={(e) => setDisplayName(e.currentTarget.value)} />
          <TextInput label="E-mail" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <PasswordInput label="Password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" />
          <Checkbox label="Administrator (may do everything)" checked={isAdmin} onChange={(e) => setIsAdmin(e.currentTarget.checked)} />
          <FormError text={action.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button type="submit" loading={action.running}>Create user</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
