// The team's alert channels (Lark, DingTalk, WeCom, Slack, webhooks, email): create, edit, delete,
// and send a test message that answers with the receiver's own reason when it fails. Secrets
// (webhook URLs with tokens, signing secrets, the SMTP password) never come back from the API:
// an edit leaves them as they are unless typed again.
import { Badge, Button, Code, Group, Modal, PasswordInput, Select, Stack, Table, Text, TextInput, Textarea } from "@mantine/core";
import { FormEvent, useState } from "react";
import { Link } from "react-router-dom";
import { alertChannels } from "../api/endpoints";
import type { AlertChannel } from "../api/types";
import { EmptyState, ErrorAlert, FormError, Loading, PageHeader, formatTime } from "../components/common";
import { CHANNEL_FIELDS, CHANNEL_KINDS, ChannelKind, ChannelValues, configFromValues, valuesFromConfig } from "../lib/alertChannels";
import { useAction, useLoad } from "../lib/hooks";
import { canEdit, useSession } from "../session";

export function AlertChannelsPage() {
  const { me, team } = useSession();
  const list = useLoad(() => alertChannels.list(team?.id), [team?.id]);
  const [editing, setEditing] = useState<AlertChannel | "new" | null>(null);
  const action = useAction();
  const editable = canEdit(me, team?.id);
  const kindLabel = (kind: string) => CHANNEL_KINDS.find((k) => k.value === kind)?.label ?? kind;
  async function remove(channel: AlertChannel) {
    const outcome = await action.run(`Deleting ${channel.name}`, () => alertChannels.remove(channel.id), `${channel.name} deleted`);
    if (outcome.ok) list.reload();
  }
  async function test(channel: AlertChannel) {
    await action.run(`Sending a test message to ${channel.name}`, () => alertChannels.test(channel.id), `${channel.name} received the test message`);
  }
  return (
    <>
      <PageHeader title="Alert channels" description={team ? `Where team ${team.name}'s alerts go` : undefined}>
        <Button variant="default" component={Link} to="/alerts">Alert history</Button>
        <Button onClick={() => setEditing("new")} disabled={!editable || !team}>New channel</Button>
      </PageHeader>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {action.error && <FormError text={action.error} />}
      {list.loading && !list.data ? <Loading /> : list.data && list.data.items.length === 0 ? (
        <EmptyState title="No alert channels" action={editable ? <Button onClick={() => setEditing("new")}>Add a channel</Button> : undefined}>
          Failed, lost or restarted jobs are posted where your team reads: a Lark, DingTalk, WeCom or Slack group, any webhook, or email. Add one, then send it a test message.
        </EmptyState>
      ) : list.data && (
        <Table striped data-testid="channels-table">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Kind</Table.Th><Table.Th>Description</Table.Th><Table.Th>Changed</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {list.data.items.map((channel) => (
              <Table.Tr key={channel.id} data-testid={`channel-${channel.name}`}>
                <Table.Td><Text fw={500} size="sm">{channel.name}</Text></Table.Td>
                <Table.Td><Badge variant="light">{kindLabel(channel.kind)}</Badge></Table.Td>
                <Table.Td><Text size="sm">{channel.description}</Text></Table.Td>
                <Table.Td>{formatTime(channel.updated_at ?? channel.created_at)}</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Button size="compact-xs" variant="light" onClick={() => test(channel)} loading={action.running}>Send test</Button>
                    {editable && <Button size="compact-xs" variant="subtle" onClick={() => setEditing(channel)}>Edit</Button>}
                    {editable && <Button size="compact-xs" color="red" variant="subtle" onClick={() => remove(channel)}>Delete</Button>}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {editing && team && <EditChannel teamId={team.id} channel={editing === "new" ? null : editing} onClose={() => setEditing(null)} onDone={list.reload} />}
    </>
  );
}

function EditChannel({ teamId, channel, onClose, onDone }: { teamId: number; channel: AlertChannel | null; onClose: () => void; onDone: () => void }) {
  const [kind, setKind] = useState<ChannelKind>(channel?.kind ?? "lark");
  const [name, setName] = useState(channel?.name ?? "");
  const [description, setDescription] = useState(channel?.description ?? "");
  const [values, setValues] = useState<ChannelValues>(() => (channel ? valuesFromConfig(channel.kind, channel.config) : {}));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const action = useAction();
  const set = (key: string, value: string) => setValues((v) => ({ ...v, [key]: value }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    const built = configFromValues(kind, values, !!channel);
    setErrors(built.errors);
    if (!built.config) return;
    const config = built.config;
    const outcome = channel
      ? await action.run(`Saving ${name}`, () => alertChannels.update(channel.id, { name: name !== channel.name ? name.trim() : undefined, config, description }), `${name} saved`)
      : await action.run(`Creating ${name}`, () => alertChannels.create({ team_id: teamId, name: name.trim(), kind, config, description: description || undefined }), `${name} created`);
    if (outcome.ok) { onDone(); onClose(); }
  }
  return (
    <Modal opened onClose={onClose} title={channel ? `Edit ${channel.name}` : "New alert channel"} size="lg">
      <form onSubmit={submit}>
        <Stack>
          <Group grow>
            <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
            <Select label="Kind" data={CHANNEL_KINDS} value={kind} onChange={(v) => v && setKind(v as ChannelKind)} disabled={!!channel} allowDeselect={false} />
          </Group>
          {CHANNEL_FIELDS[kind].map((field) => {
            const common = {
              label: field.label,
              description: field.description,
              placeholder: field.secret && channel ? "Unchanged (type to replace it)" : field.placeholder,
              error: errors[field.key],
              value: values[field.key] ?? "",
              required: field.required && !(field.secret && channel),
            };
            if (field.options) {
              return <Select key={field.key} {...common} data={field.options} onChange={(v) => set(field.key, v ?? "")} clearable placeholder="Default (STARTTLS)" />;
            }
            if (field.multiline) return <Textarea key={field.key} {...common} autosize minRows={2} styles={{ input: { fontFamily: "monospace" } }} onChange={(e) => set(field.key, e.currentTarget.value)} />;
            if (field.secret) return <PasswordInput key={field.key} {...common} autoComplete="off" onChange={(e) => set(field.key, e.currentTarget.value)} />;
            return <TextInput key={field.key} {...common} onChange={(e) => set(field.key, e.currentTarget.value)} />;
          })}
          <TextInput label="Message title" description={<>Optional; placeholders such as <Code>{"{{app}}"}</Code>, <Code>{"{{state}}"}</Code>, <Code>{"{{rule}}"}</Code></>}
            value={values["template.title"] ?? ""} onChange={(e) => set("template.title", e.currentTarget.value)} error={errors["template.title"]} />
          <Textarea label="Message text" description="Optional; the default says what happened, to which app and team, since when, restart x of y, the exception and links" autosize minRows={2}
            value={values["template.text"] ?? ""} onChange={(e) => set("template.text", e.currentTarget.value)} error={errors["template.text"]} />
          <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          <FormError text={action.error} />
          <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button><Button type="submit" loading={action.running} disabled={!name.trim()}>{channel ? "Save" : "Create"}</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}
