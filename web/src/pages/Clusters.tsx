import { Anchor, Button, Drawer, Group, Modal, SegmentedControl, Select, Stack, Table, Text, TextInput, Textarea, Timeline } from "@mantine/core";
import { FormEvent, useState } from "react";
import { clusters, flinkEnvs } from "../api/endpoints";
import type { Cluster, ClusterEvent } from "../api/types";
import { EmptyState, ErrorAlert, FormError, Loading, PageHeader, StateBadge, formatTime } from "../components/common";
import { useAction, useLoad, usePoll } from "../lib/hooks";
import { useSession } from "../session";

export function ClustersPage() {
  const { me } = useSession();
  const list = useLoad(() => clusters.list(), []);
  const envs = useLoad(() => flinkEnvs.list(), []);
  const [creating, setCreating] = useState(false);
  const [eventsOf, setEventsOf] = useState<Cluster | null>(null);
  const action = useAction();
  const admin = !!me?.is_admin;
  const moving = (list.data?.items ?? []).some((c) => c.state === "STARTING");
  usePoll(list.reload, moving ? 2000 : 10000);
  const envName = (id?: number | null) => envs.data?.items.find((e) => e.id === id)?.name ?? (id ? `#${id}` : "—");

  async function start(c: Cluster) {
    const outcome = await action.run(`Starting ${c.name}`, () => clusters.start(c.id), `${c.name} is starting`);
    if (outcome.ok) list.reload();
  }
  async function stop(c: Cluster) {
    const outcome = await action.run(`Stopping ${c.name}`, () => clusters.stop(c.id), `${c.name} stopped`);
    if (outcome.ok) list.reload();
  }

  return (
    <>
      <PageHeader title="Clusters" description="Flink session clusters that session-mode applications are submitted to.">
        {admin && <Button onClick={() => setCreating(true)}>Register cluster</Button>}
      </PageHeader>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && list.data.items.length === 0 ? (
        <EmptyState title="No cluster yet" action={admin ? <Button onClick={() => setCreating(true)}>Register a cluster</Button> : undefined}>
          Register a managed cluster (Sluice starts Flink on this machine) or a remote one (an existing session cluster's address). Register a Flink environment first.
        </EmptyState>
      ) : list.data && (
        <Table striped data-testid="clusters-table">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Kind</Table.Th><Table.Th>Flink</Table.Th><Table.Th>State</Table.Th><Table.Th>Web UI</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {list.data.items.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>{c.name}</Table.Td>
                <Table.Td>{c.kind}</Table.Td>
                <Table.Td>{envName(c.flink_env_id)}</Table.Td>
                <Table.Td><StateBadge state={c.state} />{(c.state_detail ?? c.last_error) && <Text size="xs" c={c.state === "FAILED" || c.state === "LOST" ? "red" : "dimmed"} maw={280}>{c.state_detail ?? c.last_error}</Text>}</Table.Td>
                <Table.Td>{c.web_url ? <Anchor href={c.web_url} target="_blank" rel="noreferrer" size="sm">Flink web UI ↗</Anchor> : "—"}</Table.Td>
                <Table.Td>
                  <Group gap={4} justify="flex-end">
                    <Button size="compact-xs" variant="subtle" onClick={() => setEventsOf(c)}>Events</Button>
                    {admin && c.kind === "managed" && (c.state === "RUNNING" || c.state === "STARTING"
                      ? <Button size="compact-xs" color="red" variant="light" onClick={() => stop(c)}>Stop</Button>
                      : <Button size="compact-xs" variant="light" onClick={() => start(c)}>Start</Button>)}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <NewCluster opened={creating} onClose={() => setCreating(false)} onCreated={list.reload} envs={(envs.data?.items ?? []).map((e) => ({ value: String(e.id), label: `${e.name} (${e.version})` }))} />
      <Drawer opened={!!eventsOf} onClose={() => setEventsOf(null)} title={eventsOf ? `Events of ${eventsOf.name}` : ""} position="right" size="lg">
        {eventsOf && <Events cluster={eventsOf} />}
      </Drawer>
    </>
  );
}

function eventText(e: ClusterEvent): string {
  const to = e.to_state ?? e.state;
  const parts = [e.from_state && to ? `${e.from_state} → ${to}` : to, e.message ?? e.reason].filter(Boolean);
  return parts.join(": ") || JSON.stringify(e);
}

function Events({ cluster }: { cluster: Cluster }) {
  const events = useLoad(() => clusters.events(cluster.id), [cluster.id]);
  if (events.loading && !events.data) return <Loading />;
  if (events.error) return <ErrorAlert error={events.error} onRetry={events.reload} />;
  const items = events.data?.items ?? [];
  if (items.length === 0) return <Text c="dimmed">Nothing has happened to this cluster yet.</Text>;
  return (
    <Timeline bulletSize={12} lineWidth={2}>
      {items.map((e, i) => (
        <Timeline.Item key={e.id ?? i} title={eventText(e)}>
          <Text size="xs" c="dimmed">{formatTime(e.at ?? e.created_at)}{e.actor ? ` · ${e.actor}` : ""}</Text>
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

function NewCluster({ opened, onClose, onCreated, envs }: { opened: boolean; onClose: () => void; onCreated: () => void; envs: { value: string; label: string }[] }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState("managed");
  const [envId, setEnvId] = useState<string | null>(null);
  const [addresses, setAddresses] = useState("");
  const action = useAction();
  function close() { setName(""); setAddresses(""); action.clear(); onClose(); }
  async function submit(event: FormEvent) {
    event.preventDefault();
    const env = envId ?? envs[0]?.value;
    const body = {
      name: name.trim(), kind,
      flink_env_id: env ? Number(env) : undefined,
      addresses: kind === "remote" ? addresses.split(/[\s,]+/).filter(Boolean) : undefined,
    };
    const outcome = await action.run(`Registering ${name}`, () => clusters.create(body), `${name} registered`);
    if (outcome.ok) { onCreated(); close(); }
  }
  return (
    <Modal opened={opened} onClose={close} title="Register a cluster" size="lg">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <SegmentedControl value={kind} onChange={setKind} data={[{ value: "managed", label: "Managed (Sluice starts it)" }, { value: "remote", label: "Remote (already running)" }]} />
          <Select label="Flink environment" data={envs} value={envId ?? envs[0]?.value ?? null} onChange={setEnvId} allowDeselect={false} placeholder={envs.length ? undefined : "Register a Flink environment first"} />
          {kind === "remote" && (
            <Textarea label="JobManager addresses" description="One REST URL a line, e.g. http://jm-1:8081 (several for HA)" required autosize minRows={2} value={addresses} onChange={(e) => setAddresses(e.currentTarget.value)} />
          )}
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
