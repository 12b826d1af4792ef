import { Alert, Badge, Center, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { ReactNode } from "react";
import { describeError, errorReference } from "../api/errors";
import { stateColor } from "../lib/listing";
import type { LiveStatus } from "../lib/liveEvents";

export function StateBadge({ state }: { state: string | null | undefined }) {
  const text = state || "UNKNOWN";
  return (
    <Badge color={stateColor(text)} variant={text === "RUNNING" ? "filled" : "light"} data-testid="state-badge">
      {text}
    </Badge>
  );
}

export function ErrorAlert({ error, title = "Could not load this", onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  if (!error) return null;
  const ref = errorReference(error);
  return (
    <Alert color="red" title={title} role="alert">
      <Text size="sm">{describeError(error)}</Text>
      {ref && <Text size="xs" c="dimmed">Quote {ref} when asking for help.</Text>}
      {onRetry && (
        <Text size="sm" mt="xs" component="button" onClick={onRetry} style={{ background: "none", border: 0, padding: 0, color: "var(--mantine-color-blue-7)", cursor: "pointer" }}>
          Try again
        </Text>
      )}
    </Alert>
  );
}

export function FormError({ text }: { text: string | null | undefined }) {
  if (!text) return null;
  return <Alert color="red" role="alert" py="xs">{text}</Alert>;
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <Center p="xl">
      <Group gap="xs"><Loader size="sm" /><Text c="dimmed">{what}…</Text></Group>
    </Center>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <Center p="xl">
      <Stack align="center" gap="xs" maw={520} ta="center" data-testid="empty-state">
        <Title order={4}>{title}</Title>
        {children && <Text c="dimmed" size="sm">{children}</Text>}
        {action}
      </Stack>
    </Center>
  );
}

export function PageHeader({ title, children, description }: { title: string; description?: ReactNode; children?: ReactNode }) {
  return (
    <Group justify="space-between" align="flex-start" mb="md">
      <Stack gap={2}>
        <Title order={2}>{title}</Title>
        {description && <Text c="dimmed" size="sm">{description}</Text>}
      </Stack>
      <Group>{children}</Group>
    </Group>
  );
}

export function formatTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

// Whether the page follows the server's live events, or polls while they are down.
export function LiveBadge({ status }: { status: LiveStatus }) {
  const label = status === "live" ? "Live" : status === "connecting" ? "Connecting…" : "Offline: refreshing every few seconds";
  return (
    <Badge variant="dot" color={status === "live" ? "green" : status === "connecting" ? "yellow" : "gray"} data-testid="live-status" data-live={status}>
      {label}
    </Badge>
  );
}
