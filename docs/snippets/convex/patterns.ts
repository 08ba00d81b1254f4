// The snippet of docs/patterns.md, checked as a TriggerPattern.
import type { TriggerPattern } from "convex-rules";

export const statusIsDone = (
  // #region pattern
  { boardId: ["1771812698"], columnId: ["status"], value: { label: { text: ["Done"] } } }
  // #endregion pattern
) satisfies TriggerPattern;
