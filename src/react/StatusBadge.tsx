/** A status as text with a stable class, themed by `--cr-status-*` variables. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className="cr-status" data-status={status}>
      {status.replace(/_/g, " ")}
    </span>
  );
}
