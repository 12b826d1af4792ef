// An application's alerting: which rules alert for it (each one its team's default unless the
// app says on or off, with the thresholds of the rules that look inside the job), its maintenance
// windows (alerts in them are recorded as silenced), and the alerts it raised.
import { Alert, Badge, Button, Group, NumberInput, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { alertSettings, alerts } from "../api/endpoints";
import type { App } from "../api/types";
import { Choice, RULES, RuleForm, RuleValue, describeRule, formFromOverrides, maintenanceFromInputs, overridesFromForm, toLocalInput } from "../lib/alertRules";
import { useAction, useLoad } from "../lib/hooks";
import { EmptyState, ErrorAlert, FormError, Loading, formatTime } from "./common";

interface WindowRow {
  from: string;
  until: string;
  note: string;
}

export function AppAlerts({ app, editable, moment }: { app: App; editable: boolean; moment: string }) {
  const settings = useLoad(() => alertSettings.app(app.id), [app.id]);
  const team = useLoad(() => alertSettings.team(app.team_id), [app.team_id]);
  const raised = useLoad(() => alerts.list({ app_id: app.id, limit: 20 }), [app.id, moment]);
  const [form, setForm] = useState<Record<string, RuleForm> | null>(null);
  const [windows, setWindows] = useState<WindowRow[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const action = useAction();

  useEffect(() => {
    if (!settings.data) return;
    setForm(formFromOverrides(settings.data.rules ?? {}));
    setWindows((settings.data.maintenance ?? []).map((w) => ({ from: toLocalInput(w.from), until: toLocalInput(w.until), note: w.note ?? "" })));
  }, [settings.data]);

  if (settings.loading && !settings.data) return <Loading what="Loading the alert settings" />;
  if (!settings.data || !form) return <ErrorAlert error={settings.error} title="Could not load the alert settings" onRetry={settings.reload} />;
  const teamRules: Record<string, RuleValue> = team.data?.rules ?? {};

  function setRule(key: string, change: Partial<RuleForm>) {
    setForm((f) => (f ? { ...f, [key]: { ...f[key], ...change } } : f));
    setErrors((e) => ({ ...e, [key]: "" }));
  }
  function setSetting(key: string, setting: string, value: string) {
    setForm((f) => (f ? { ...f, [key]: { ...f[key], settings: { ...f[key].settings, [setting]: value } } } : f));
    setErrors((e) => ({ ...e, [key]: "" }));
  }
  async function save() {
    if (!form) return;
    setFormError(null);
    const { rules, errors: found } = overridesFromForm(form);
    const maintenance = maintenanceFromInputs(windows);
    setErrors(found);
    if (Object.keys(found).length > 0) return setFormError("Fix the rules marked below.");
    if (maintenance.error) return setFormError(maintenance.error);
    const outcome = await action.run("Saving the alert settings", () => alertSettings.saveApp(app.id, { rules, maintenance: maintenance.windows }), "Alert settings saved");
    if (outcome.ok) settings.reload();
    else setFormError(outcome.error);
  }

  return (
    <Stack gap="md" data-testid="app-alerts">
      <Text size="sm" c="dimmed">
        Each rule follows the team&apos;s default unless this application turns it on or off. Alerts go to the application&apos;s channels, else the team&apos;s.
      </Text>
      <Table striped data-testid="alert-rules">
        <Table.Thead>
          <Table.Tr><Table.Th>Rule</Table.Th><Table.Th>Team default</Table.Th><Table.Th>This application</Table.Th><Table.Th>Settings</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {RULES.map((meta) => {
            const entry = form[meta.key];
            return (
              <Table.Tr key={meta.key} data-testid={`rule-${meta.key}`}>
                <Table.Td><Text size="sm" fw={500}>{meta.label}</Text><Text size="xs" c="dimmed">{meta.help}</Text></Table.Td>
                <Table.Td><Text size="sm">{team.data ? describeRule(meta, teamRules[meta.key]) : "…"}</Text></Table.Td>
                <Table.Td>
                  <Select
                    aria-label={`${meta.label} for this application`}
                    data={[{ value: "inherit", label: "Team default" }, { value: "on", label: "On" }, { value: "off", label: "Off" }]}
                    value={entry.choice}
                    onChange={(v) => setRule(meta.key, { choice: (v ?? "inherit") as Choice })}
                    disabled={!editable}
                    allowDeselect={false}
                    w={150}
                  />
                </Table.Td>
                <Table.Td>
                  {/* Numbers are not clamped as typed: the form's own check says what is wrong with a 0. */}
                  {meta.settings && entry.choice === "on" ? (
                    <Group gap="xs" wrap="nowrap">
                      {meta.settings.map((setting) =>
                        setting.kind === "action" ? (
                          <Select key={setting.key} label={setting.label} size="xs" w={110} data={[{ value: "alert", label: "Alert" }, { value: "restart", label: "Restart" }]} value={entry.settings[setting.key] ?? "alert"} onChange={(v) => setSetting(meta.key, setting.key, v ?? "alert")} disabled={!editable} allowDeselect={false} />
                        ) : (
                          <NumberInput key={setting.key} label={setting.label} aria-label={`${meta.label}: ${setting.label}`} size="xs" w={110} min={1} clampBehavior="none" allowDecimal={false} value={entry.settings[setting.key] ?? ""} onChange={(v) => setSetting(meta.key, setting.key, String(v))} disabled={!editable} />
                        ),
                      )}
                    </Group>
                  ) : null}
                  {errors[meta.key] ? <Text size="xs" c="red" role="alert">{errors[meta.key]}</Text> : null}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>

      <Stack gap="xs">
        <Title order={5}>Maintenance windows</Title>
        <Text size="sm" c="dimmed">While a window is open, this application&apos;s alerts are recorded as silenced and not sent.</Text>
        {windows.length === 0 && <Text size="sm" c="dimmed">No maintenance windows.</Text>}
        {windows.map((w, i) => (
          <Group key={i} gap="xs" align="flex-end" data-testid="maintenance-window">
            <TextInput type="datetime-local" label="From" value={w.from} onChange={(e) => { const value = e.currentTarget.value; setWindows((all) => all.map((x, j) => (j === i ? { ...x, from: value } : x))); }} disabled={!editable} />
            <TextInput type="datetime-local" label="Until" value={w.until} onChange={(e) => { const value = e.currentTarget.value; setWindows((all) => all.map((x, j) => (j === i ? { ...x, until: value } : x))); }} disabled={!editable} />
            <TextInput label="Note" placeholder="why" value={w.note} onChange={(e) => { const value = e.currentTarget.value; setWindows((all) => all.map((x, j) => (j === i ? { ...x, note: value } : x))); }} disabled={!editable} />
            {editable && <Button variant="subtle" color="red" onClick={() => setWindows((all) => all.filter((_, j) => j !== i))}>Remove</Button>}
          </Group>
        ))}
        {editable && (
          <Group>
            <Button variant="light" size="xs" onClick={() => {
              const start = new Date();
              const end = new Date(start.getTime() + 2 * 3600 * 1000);
              setWindows((all) => [...all, { from: toLocalInput(start.toISOString()), until: toLocalInput(end.toISOString()), note: "" }]);
            }}>Add a window</Button>
          </Group>
        )}
      </Stack>

      <FormError text={formError} />
      {editable && <Group><Button onClick={() => void save()} loading={action.running} data-testid="save-alert-settings">Save alert settings</Button></Group>}

      <Stack gap="xs">
        <Title order={5}>Alerts of this application</Title>
        {raised.error ? <Alert color="red">{String((raised.error as Error).message ?? raised.error)}</Alert> : null}
        {raised.data && raised.data.items.length === 0 && <EmptyState title="No alerts yet">When one of the rules above fires, its alerts are listed here.</EmptyState>}
        {raised.data && raised.data.items.length > 0 && (
          <Table striped data-testid="app-alerts-table">
            <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>Rule</Table.Th><Table.Th>What</Table.Th><Table.Th>Channel</Table.Th><Table.Th>State</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {raised.data.items.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>{formatTime(a.created_at)}</Table.Td>
                  <Table.Td><Badge variant="light">{a.rule}</Badge></Table.Td>
                  <Table.Td><Text size="sm">{a.title}</Text></Table.Td>
                  <Table.Td>{a.channel ?? a.channel_id}</Table.Td>
                  <Table.Td><Badge color={a.state === "DELIVERED" ? "green" : a.state === "FAILED" ? "red" : "gray"}>{a.state}</Badge></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Stack>
  );
}
