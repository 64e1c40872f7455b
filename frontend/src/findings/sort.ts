// Sorting a page of findings by a column (the API orders its pages most severe first).
export type SortKey = "severity" | "rule" | "owasp" | "subject";

const SEVERITY_RANK: Record<string, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 };

interface Sortable {
  severity: string;
  rule: string;
  owasp: string;
  subject: { name: string; id: string };
}

function owaspNumber(owasp: string): number {
  return Number(owasp.replace(/\D/g, "")) || 0;
}

export function sortFindings<T extends Sortable>(rows: T[], key: SortKey, descending: boolean): T[] {
  const value = (f: T): string | number =>
    key === "severity"
      ? (SEVERITY_RANK[f.severity] ?? 9)
      : key === "owasp"
        ? owaspNumber(f.owasp)
        : key === "rule"
          ? f.rule
          : f.subject.name || f.subject.id;
  const sorted = [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    return typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
  });
  return descending ? sorted.reverse() : sorted;
}
