import { Button } from "@mantine/core";
import { Link } from "react-router-dom";
import { EmptyState } from "../components/common";

export function NotFoundPage() {
  return (
    <EmptyState title="There is no page here" action={<Button component={Link} to="/apps">Go to applications</Button>}>
      The address may be mistyped, or the page was moved.
    </EmptyState>
  );
}
