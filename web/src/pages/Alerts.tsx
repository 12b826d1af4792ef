// The alert history: every alert of the team, delivered or not, newest first, with its attempts and
// the receiver's last refusal, filtered by state; read again on the live events (an app failing
// is usually an alert a moment later) and every 10 s.
import { Anchor, Badge, Button, Group, Select, Table, Text, Tooltip } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router-dom";
import { alertChannels, alerts } from "../api/endpoints";
import { EmptyState, ErrorAlert, Loading, PageHeader, formatTime } from "../components/common";
import { useLoad, usePoll } from "../lib/hooks";
import { useAppEvents, useCoalesced } from "../lib/liveEvents";
import { useSession } from "../session";

const STATE_COLORS: Record<string, string> = { DELIVERED: "green", PENDING: "yellow", FAILED: "red", SILENCED: "gray", SUPPRESSED: "gray" };
const STATES = ["PENDING", "DELIVERED", "FAILED", "SILENCED", "SUPPRESSED"];

export function AlertsPage() {
  const { team } = useSession();
  const [state, setState] = useState<string | null>(null);
  const list = useLoad(() => alerts.list({ team_id: team?.id, state: state ?? undefined }), [team?.id, state]);
  const channels = useLoad(() => alertChannels.list(team?.id), [team?.id]);
  const refresh = useCoalesced(list.reload, 1000);
  useAppEvents(refresh, (event) => event.team_id === team?.id);
  usePoll(list.reload, 10_000);
  const channelName = (id: number) => channels.data?.items.find((c) => c.id === id)?.name ?? `channel ${id}`;
  return (
    <>
      <PageHeader title="Alert history" description={team ? `Alerts of team ${team.name}, newest first` : undefined}>
        <Button variant="default" component={Link} to="/alert-channels">Alert channels</Button>
      </PageHeader>
      <Group mb="md">
        <Select aria-label="State" placeholder="Any state" data={STATES} value={state} onChange={setState} clearable w={200} />
      </Group>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && list.data.items.length === 0 ? (
        <EmptyState title={state ? `No ${state.toLowerCase()} alerts` : "No alerts yet"} action={<Button variant="light" component={Link} to="/alert-channels">Set up a channel</Button>}>
          When a job fails, is lost, is cancelled outside Sluice or uses up its restarts, the alert sent to each channel is listed here.
        </EmptyState>
      ) : list.data && (
        <Table striped data-testid="alerts-table">
          <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>What</Table.Th><Table.Th>Application</Table.Th><Table.Th>Channel</Table.Th><Table.Th>State</Table.Th><Table.Th>Attempts</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {list.data.items.map((alert) => (
              <Table.Tr key={alert.id}>
                <Table.Td>{formatTime(alert.created_at)}</Table.Td>
                <Table.Td>
                  <Text size="sm" fw={500}>{alert.title}</Text>
                  {alert.summary && <Text size="xs" c="dimmed" lineClamp={2}>{alert.summary}</Text>}
                </Table.Td>
                <Table.Td>{alert.app_id ? <Anchor component={Link} to={`/apps/${alert.app_id}`} size="sm">{alert.app ?? `app ${alert.app_id}`}</Anchor> : <Text size="sm" c="dimmed">{alert.rule}</Text>}</Table.Td>
                <Table.Td><Text size="sm">{alert.channel ?? channelName(alert.channel_id)}</Text></Table.Td>
                <Table.Td>
                  {alert.last_error ? (
                    <Tooltip label={alert.last_error} multiline w={360} withinPortal><Badge color={STATE_COLORS[alert.state] ?? "gray"} variant="light">{alert.state}</Badge></Tooltip>
                  ) : <Badge color={STATE_COLORS[alert.state] ?? "gray"} variant="light">{alert.state}</Badge>}
                  {alert.state === "DELIVERED" && alert.delivered_at && <Text size="xs" c="dimmed">{formatTime(alert.delivered_at)}</Text>}
                  {alert.state === "PENDING" && alert.next_attempt_at && <Text size="xs" c="dimmed">next try {formatTime(alert.next_attempt_at)}</Text>}
                </Table.Td>
                <Table.Td>{alert.attempts}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}
