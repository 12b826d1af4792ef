import { AppShell, Avatar, Button, Group, Menu, Modal, NavLink, PasswordInput, Select, Stack, Text, Title, UnstyledButton } from "@mantine/core";
import { FormEvent, useState } from "react";
import { Link, Outlet, useLocation, useNavigate } from "react-router-dom";
import { auth } from "../api/endpoints";
import { useAction } from "../lib/hooks";
import { useSession } from "../session";
import { FormError } from "./common";

const NAV = [
  { to: "/apps", label: "Applications" },
  { to: "/clusters", label: "Clusters" },
  { to: "/projects", label: "Projects" },
  { to: "/resources", label: "Resources" },
  { to: "/variables", label: "Variables" },
  { to: "/alert-channels", label: "Alert channels" },
  { to: "/alerts", label: "Alert history" },
  { to: "/flink-envs", label: "Flink environments" },
  { to: "/tokens", label: "API tokens" },
];
const ADMIN_NAV = [
  { to: "/admin/users", label: "Users" },
  { to: "/admin/teams", label: "Teams and members" },
];

export function Layout() {
  const { me, team, setTeamId, logout } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [passwordOpen, setPasswordOpen] = useState(false);
  if (!me) return null;
  const teams = me.teams ?? [];

  async function doLogout() {
    await logout().catch(() => undefined);
    navigate("/login");
  }

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 0 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="lg">
            <Link to="/apps" style={{ textDecoration: "none", color: "inherit" }}><Title order={3}>Sluice</Title></Link>
            {teams.length > 0 ? (
              <Select
                aria-label="Team"
                data-testid="team-switcher"
                size="xs"
                w={220}
                allowDeselect={false}
                value={team ? String(team.id) : null}
                data={teams.map((t) => ({ value: String(t.id), label: `${t.name} (${t.role})` }))}
                onChange={(value) => value && setTeamId(Number(value))}
              />
            ) : (
              <Text size="sm" c="dimmed">You are in no team yet{me.is_admin ? ": create one under Teams" : ": ask an administrator to add you"}.</Text>
            )}
          </Group>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <UnstyledButton data-testid="user-menu" aria-label="User menu">
                <Group gap="xs">
                  <Avatar size="sm" color="blue" radius="xl">{me.username.slice(0, 2).toUpperCase()}</Avatar>
                  <Stack gap={0}>
                    <Text size="sm" fw={500}>{me.display_name || me.username}</Text>
                    <Text size="xs" c="dimmed">{me.is_admin ? "administrator" : me.username}</Text>
                  </Stack>
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>Signed in as {me.username}</Menu.Label>
              <Menu.Item onClick={() => setPasswordOpen(true)}>Change password</Menu.Item>
              <Menu.Item color="red" onClick={doLogout}>Log out</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {NAV.map((item) => (
          <NavLink key={item.to} component={Link} to={item.to} label={item.label} active={location.pathname.startsWith(item.to)} />
        ))}
        {me.is_admin && (
          <>
            <Text size="xs" c="dimmed" mt="md" mb={4} px="sm" tt="uppercase" fw={600}>Administration</Text>
            {ADMIN_NAV.map((item) => (
              <NavLink key={item.to} component={Link} to={item.to} label={item.label} active={location.pathname.startsWith(item.to)} />
            ))}
          </>
        )}
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
      <ChangePassword opened={passwordOpen} onClose={() => setPasswordOpen(false)} />
    </AppShell>
  );
}

function ChangePassword({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();

  function close() {
    setCurrent(""); setNext(""); setAgain(""); setProblem(null); action.clear();
    onClose();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (next !== again) { setProblem("The new passwords differ."); return; }
    if (!next) { setProblem("Enter a new password."); return; }
    setProblem(null);
    const outcome = await action.run("Changing the password", () => auth.changePassword(current, next), "Password changed");
    if (outcome.ok) close();
  }

  return (
    <Modal opened={opened} onClose={close} title="Change password">
      <form onSubmit={submit}>
        <Stack>
          <PasswordInput label="Current password" value={current} onChange={(e) => setCurrent(e.currentTarget.value)} autoComplete="current-password" />
          <PasswordInput label="New password" value={next} onChange={(e) => setNext(e.currentTarget.value)} autoComplete="new-password" />
          <PasswordInput label="New password again" value={again} onChange={(e) => setAgain(e.currentTarget.value)} autoComplete="new-password" />
          <FormError text={problem ?? action.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button type="submit" loading={action.running}>Change password</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
