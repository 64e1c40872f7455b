// What the blast-radius query says about how a reached resource's use is covered by grants
// (pure): the granted patterns that cover it when no grant names it, the calls made on it that
// no grant within reach gives, the calls that need no permission, and — for a granted pattern —
// the touched resources it was used on. The page shows these beside the selected node and sums
// the uncovered calls in the summary, so "touched but not granted" names its calls.
import type { Blast } from "./build";

export type Reached = Blast["resources"][number];

export interface CoverageLine {
  term: string;
  values: string[];
}

export function coverageLines(resource: Reached): CoverageLine[] {
  const lines: CoverageLine[] = [
    { term: "Granted through", values: resource.grantedVia },
    { term: "Calls no grant gives", values: resource.ungrantedActions },
    { term: "Calls needing no permission", values: resource.noPermissionActions },
    { term: "Grant used on", values: resource.usedThrough },
  ];
  return lines.filter((line) => line.values.length > 0);
}

/** Resources touched by calls that no grant within reach gives, and how many such calls in all. */
export function uncovered(blast: Blast): { resources: number; calls: number } {
  const hit = blast.resources.filter((r) => r.ungrantedActions.length > 0);
  return { resources: hit.length, calls: hit.reduce((n, r) => n + r.ungrantedActions.length, 0) };
}

/** "Resource 40, Identity 2, Credential 1": the walk's reach by kind, largest first. */
export function kindCounts(blast: Blast, label: (kind: string) => string): string {
  return [...blast.summary.nodesByKind]
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
    .map((entry) => `${label(entry.key)} ${entry.count}`)
    .join(", ");
}
