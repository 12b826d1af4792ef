import { Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { FormEvent, useState } from "react";
import { Navigate, useSearchParams } from "react-router-dom";
import { describeError } from "../api/errors";
import { FormError } from "../components/common";
import { useSession } from "../session";

export function LoginPage() {
  const { me, login } = useSession();
  const [params] = useSearchParams();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const next = params.get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/apps";
  if (me) return <Navigate to={target} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!username || !password) { setError("Enter your user name and password."); return; }
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w={380} component="form" onSubmit={submit}>
        <Stack>
          <Stack gap={0}>
            <Title order={2}>Sluice</Title>
            <Text c="dimmed" size="sm">Log in to manage your Flink jobs.</Text>
          </Stack>
          <TextInput label="User name" autoComplete="username" value={username} onChange={(e) => setUsername(e.currentTarget.value)} autoFocus />
          <PasswordInput label="Password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <FormError text={error} />
          <Button type="submit" loading={busy}>Log in</Button>
          <Text size="xs" c="dimmed">The first administrator is <b>admin</b>; its password is set by SLUICE_ADMIN_PASSWORD or written to admin-password in the data folder.</Text>
        </Stack>
      </Paper>
    </Center>
  );
}
