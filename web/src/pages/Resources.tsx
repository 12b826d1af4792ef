// Uploaded jars of the current team (connectors, UDFs, job jars): upload, list, delete. A jar an
// application uses cannot be deleted; the API's 409 says which.
import { Button, Code, FileInput, Group, Modal, Stack, Table, Text, TextInput } from "@mantine/core";
import { FormEvent, useState } from "react";
import { resources } from "../api/endpoints";
import { EmptyState, ErrorAlert, FormError, Loading, PageHeader, formatTime } from "../components/common";
import { useAction, useLoad } from "../lib/hooks";
import { canEdit, useSession } from "../session";

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function ResourcesPage() {
  const { me, team } = useSession();
  const list = useLoad(() => resources.list(team?.id), [team?.id]);
  const [uploading, setUploading] = useState(false);
  const action = useAction();
  const editable = canEdit(me, team?.id);
  async function remove(id: number, name: string) {
    const outcome = await action.run(`Deleting ${name}`, () => resources.remove(id), `${name} deleted`);
    if (outcome.ok) list.reload();
  }
  return (
    <>
      <PageHeader title="Resources" description={team ? `Jars uploaded to team ${team.name}: connectors, UDFs and job jars applications use` : undefined}>
        <Button onClick={() => setUploading(true)} disabled={!editable || !team}>Upload jar</Button>
      </PageHeader>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {action.error && <FormError text={action.error} />}
      {list.loading && !list.data ? <Loading /> : list.data && list.data.items.length === 0 ? (
        <EmptyState title="No jars uploaded" action={editable ? <Button onClick={() => setUploading(true)}>Upload a jar</Button> : undefined}>
          Upload a connector or UDF jar, then pick it in an application's dependencies (or as a JAR application's program).
        </EmptyState>
      ) : list.data && (
        <Table striped data-testid="resources-table">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>File</Table.Th><Table.Th>Size</Table.Th><Table.Th>SHA-256</Table.Th><Table.Th>Uploaded</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {list.data.items.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.name}{r.description && <Text size="xs" c="dimmed">{r.description}</Text>}</Table.Td>
                <Table.Td><Code>{r.file_name}</Code></Table.Td>
                <Table.Td>{formatSize(r.size)}</Table.Td>
                <Table.Td><Code title={r.sha256}>{r.sha256?.slice(0, 12)}</Code></Table.Td>
                <Table.Td>{formatTime(r.created_at)}</Table.Td>
                <Table.Td>{editable && <Button size="compact-xs" color="red" variant="subtle" onClick={() => remove(r.id, r.name)}>Delete</Button>}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {uploading && team && <Upload teamId={team.id} onClose={() => setUploading(false)} onDone={list.reload} />}
    </>
  );
}

function Upload({ teamId, onClose, onDone }: { teamId: number; onClose: () => void; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const action = useAction();
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    const outcome = await action.run(`Uploading ${file.name}`, () => resources.upload(teamId, file, name.trim() || undefined, description.trim() || undefined), `${file.name} uploaded`);
    if (outcome.ok) { onDone(); onClose(); }
  }
  return (
    <Modal opened onClose={onClose} title="Upload a jar">
      <form onSubmit={submit}>
        <Stack>
          <FileInput label="Jar file" accept=".jar" placeholder="Choose a .jar" value={file} onChange={setFile} required clearable />
          <TextInput label="Name" description="Defaults to the file's name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          <FormError text={action.error} />
          <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button><Button type="submit" loading={action.running} disabled={!file}>Upload</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}
