import { Badge, Button, Code, Group, Modal, Stack, Table, TextInput } from "@mantine/core";
import { FormEvent, useState } from "react";
import { flinkEnvs } from "../api/endpoints";
import type { FlinkEnv } from "../api/types";
import { EmptyState, ErrorAlert, FormError, Loading, PageHeader } from "../components/common";
import { useAction, useLoad } from "../lib/hooks";
import { useSession } from "../session";

// config.yaml (Flink 1.19+ standard YAML) or flink-conf.yaml (the legacy flat file).
export function configKind(env: FlinkEnv): string {
  if (env.config_kind) return env.config_kind;
  const file = env.config_file ?? "";
  if (file.endsWith("flink-conf.yaml")) return "legacy flink-conf.yaml";
  if (file.endsWith("config.yaml")) return "config.yaml";
  return file ? file.split("/").pop() ?? file : "—";
}

export function FlinkEnvsPage() {
  const { me } = useSession();
  const list = useLoad(() => flinkEnvs.list(), []);
  const [creating, setCreating] = useState(false);
  const action = useAction();
  const admin = !!me?.is_admin;

  async function sync(env: FlinkEnv) {
    const outcome = await action.run(`Re-reading ${env.name}`, () => flinkEnvs.sync(env.id), `${env.name} synced`);
    if (outcome.ok) list.reload();
  }
  async function makeDefault(env: FlinkEnv) {
    const outcome = await action.run(`Making ${env.name} the default`, () => flinkEnvs.setDefault(env.id));
    if (outcome.ok) list.reload();
  }

  return (
    <>
      <PageHeader title="Flink environments" description="Flink distributions on this machine that applications and clusters run with.">
        {admin && <Button onClick={() => setCreating(true)}>Register environment</Button>}
      </PageHeader>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && list.data.items.length === 0 ? (
        <EmptyState title="No Flink environment yet" action={admin ? <Button onClick={() => setCreating(true)}>Register a Flink home</Button> : undefined}>
          Register the folder of an unpacked Flink distribution (the one holding bin/flink). `make run` registers the provisioned Flink 1.20 itself.
        </EmptyState>
      ) : list.data && (
        <Table striped data-testid="envs-table">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Version</Table.Th><Table.Th>Home</Table.Th><Table.Th>Configuration</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {list.data.items.map((env) => (
              <Table.Tr key={env.id}>
                <Table.Td>{env.name} {env.default && <Badge ml={4} size="sm">default</Badge>}</Table.Td>
                <Table.Td><Badge variant="light">{env.version || "?"}</Badge></Table.Td>
                <Table.Td><Code>{env.home}</Code></Table.Td>
                <Table.Td>{configKind(env)}</Table.Td>
                <Table.Td>
                  {admin && (
                    <Group gap={4} justify="flex-end">
                      <Button size="compact-xs" variant="light" onClick={() => sync(env)}>Sync</Button>
                      {!env.default && <Button size="compact-xs" variant="subtle" onClick={() => makeDefault(env)}>Make default</Button>}
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <NewEnv opened={creating} onClose={() => setCreating(false)} onCreated={list.reload} />
    </>
  );
}

function NewEnv({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState("");
  const [home, setHome] = useState("");
  const action = useAction();
  function close() { setName(""); setHome(""); action.clear(); onClose(); }
  async function submit(event: FormEvent) {
    event.preventDefault();
    const outcome = await action.run(`Registering ${name}`, () => flinkEnvs.create({ name: name.trim(), home: home.trim() }), `${name} registered`);
    if (outcome.ok) { onCreated(); close(); }
  }
  return (
    <Modal opened={opened} onClose={close} title="Register a Flink environment" size="lg">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Name" required placeholder="flink-1.20" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <TextInput label="Flink home" description="The absolute path of the distribution on the Sluice server's machine" required placeholder="/opt/flink-1.20.1" value={home} onChange={(e) => setHome(e.currentTarget.value)} />
          <FormError text={action.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button type="submit" loading={action.running}>Register</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
