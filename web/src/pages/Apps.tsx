import { Anchor, Badge, Button, Group, MultiSelect, Select, Switch, Table, Text, TextInput } from "@mantine/core";
import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { apps } from "../api/endpoints";
import { AppActions } from "../components/AppActions";
import { EmptyState, ErrorAlert, LiveBadge, Loading, PageHeader, StateBadge, formatTime } from "../components/common";
import { ACTIVE_STATES } from "../lib/actions";
import { useLoad, usePoll } from "../lib/hooks";
import { useAppEvents, useCoalesced, useLiveStatus } from "../lib/liveEvents";
import { APP_STATES, SortKey, filterApps, filtersFromParams, filtersToParams, nextSort, sortApps } from "../lib/listing";
import { canEdit, useSession } from "../session";

export function AppsPage() {
  const { me, team } = useSession();
  const [params, setParams] = useSearchParams();
  const { filters, order } = filtersFromParams(params);
  const [allTeams, setAllTeams] = useState(false);
  const teamId = allTeams ? undefined : team?.id;
  const list = useLoad(() => apps.list({ team_id: teamId }), [teamId]);
  // Live: read again when an event concerns the listed teams. While the stream is down, poll:
  // every 2 s while an application moves (an operation in flight, DEPLOYING, CANCELLING...), else 5 s.
  const live = useLiveStatus();
  const refresh = useCoalesced(list.reload);
  useAppEvents(refresh, (event) => teamId === undefined || event.team_id === teamId);
  const moving = (list.data?.items ?? []).some((a) => !!a.operation || (ACTIVE_STATES.has(a.state) && a.state !== "RUNNING"));
  usePoll(list.reload, moving ? 2000 : 5000, live !== "live");
  const shown = useMemo(() => sortApps(filterApps(list.data?.items ?? [], filters), order), [list.data, filters, order]);
  const teamName = (id: number) => me?.teams.find((t) => t.id === id)?.name ?? `team ${id}`;
  const filtering = !!(filters.q || filters.states?.length || filters.kind);

  function update(next: Partial<typeof filters>, nextOrder = order) {
    setParams(filtersToParams({ ...filters, ...next }, nextOrder), { replace: true });
  }
  function header(key: SortKey, label: string) {
    const arrow = order.key === key ? (order.direction === "asc" ? " ▲" : " ▼") : "";
    return <Table.Th className="sortable" onClick={() => update({}, nextSort(order, key))} aria-sort={order.key === key ? (order.direction === "asc" ? "ascending" : "descending") : "none"}>{label}{arrow}</Table.Th>;
  }

  const mayCreate = canEdit(me, team?.id);
  return (
    <>
      <PageHeader title="Applications" description={team ? (allTeams ? "In all your teams" : `In team ${team.name}`) : undefined}>
        <LiveBadge status={live} />
        <Button component={Link} to="/apps/new?kind=jar" variant="default" disabled={!mayCreate}>New JAR application</Button>
        <Button component={Link} to="/apps/new" disabled={!mayCreate}>New SQL application</Button>
      </PageHeader>
      <Group mb="md" align="flex-end">
        <TextInput placeholder="Search name, description, tags" aria-label="Search" value={filters.q ?? ""} onChange={(e) => update({ q: e.currentTarget.value })} w={280} />
        <MultiSelect placeholder={filters.states?.length ? undefined : "Any state"} aria-label="States" data={APP_STATES} value={filters.states ?? []} onChange={(states) => update({ states })} w={300} clearable searchable />
        <Select aria-label="Kind" data={[{ value: "", label: "SQL and JAR" }, { value: "sql", label: "SQL" }, { value: "jar", label: "JAR" }]} value={filters.kind ?? ""} onChange={(v) => update({ kind: (v ?? "") as "" | "sql" | "jar" })} w={140} allowDeselect={false} />
        {(me?.teams.length ?? 0) > 1 && <Switch label="All my teams" checked={allTeams} onChange={(e) => setAllTeams(e.currentTarget.checked)} />}
      </Group>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading what="Loading applications" /> : !list.data ? null : list.data.items.length === 0 ? (
        <EmptyState title="No applications yet" action={mayCreate ? <Button component={Link} to="/apps/new">Create a SQL application</Button> : undefined}>
          {mayCreate
            ? "An application is a Flink job Sluice keeps: its SQL, configuration and versions. Create one, then deploy it to a cluster."
            : team ? "Nobody has created an application in this team yet, and your role cannot create one." : "You are in no team yet: ask an administrator to add you to one."}
        </EmptyState>
      ) : shown.length === 0 ? (
        <EmptyState title="Nothing matches these filters" action={filtering ? <Button variant="light" onClick={() => setParams({}, { replace: true })}>Clear the filters</Button> : undefined} />
      ) : (
        <Table striped highlightOnHover data-testid="apps-table">
          <Table.Thead>
            <Table.Tr>
              {header("name", "Name")}
              {allTeams && <Table.Th>Team</Table.Th>}
              <Table.Th>Kind</Table.Th>
              {header("state", "State")}
              {header("version", "Version")}
              {header("updated_at", "Changed")}
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((app) => (
              <Table.Tr key={app.id} data-testid={`app-row-${app.name}`}>
                <Table.Td>
                  <Anchor component={Link} to={`/apps/${app.id}`} fw={500}>{app.name}</Anchor>
                  {app.description && <Text size="xs" c="dimmed" lineClamp={1}>{app.description}</Text>}
                  {(app.tags ?? []).length > 0 && (
                    <Group gap={4} mt={2}>{(app.tags ?? []).map((tag) => <Badge key={tag} size="xs" variant="light" color="gray">{tag}</Badge>)}</Group>
                  )}
                </Table.Td>
                {allTeams && <Table.Td>{teamName(app.team_id)}</Table.Td>}
                <Table.Td><Badge variant="outline" size="sm">{app.kind.toUpperCase()}</Badge></Table.Td>
                <Table.Td>
                  <StateBadge state={app.state} />
                  {app.operation && <Badge ml={4} size="sm" variant="dot">{app.operation.kind}…</Badge>}
                  {app.last_error && <Text size="xs" c="red" lineClamp={1} maw={260} title={app.last_error}>{app.last_error}</Text>}
                </Table.Td>
                <Table.Td>
                  <Anchor component={Link} to={`/apps/${app.id}/versions`} size="sm">v{app.draft_version ?? "?"}</Anchor>
                  {app.version && app.version !== app.draft_version ? <Text span size="xs" c="dimmed"> (running v{app.version})</Text> : null}
                </Table.Td>
                <Table.Td><Text size="sm">{formatTime(app.updated_at)}</Text></Table.Td>
                <Table.Td>{canEdit(me, app.team_id) && <AppActions app={app} onChanged={list.reload} compact />}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}
