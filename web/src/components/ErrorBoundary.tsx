// Whatever throws while rendering, the person sees what happened and a way on, never a blank page.
import { Alert, Button, Code, Group, Stack } from "@mantine/core";
import { Component, ReactNode } from "react";

interface Props {
  children: ReactNode;
  resetKey?: string; // a new key (the route) clears the error
}

interface State {
  error: Error | null;
  key?: string;
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    if (props.resetKey !== state.key) return { error: null, key: props.resetKey };
    return null;
  }

  componentDidCatch(error: Error): void {
    console.error("console error", error);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Stack p="md" maw={800}>
        <Alert color="red" title="This page failed to show">
          <Stack gap="xs">
            <span>Something in the console went wrong while showing this page. Your data on the server is not affected.</span>
            <Code block>{String(this.state.error.message || this.state.error)}</Code>
            <Group>
              <Button size="xs" variant="light" onClick={() => this.setState({ error: null })}>Try again</Button>
              <Button size="xs" variant="subtle" component="a" href="/apps">Go to applications</Button>
            </Group>
          </Stack>
        </Alert>
      </Stack>
    );
  }
}
