// Findings as CSV: one fixed header, RFC 4180 quoting, and cells that a spreadsheet would read
// as a formula (=, +, -, @) prefixed with a quote, since finding text quotes names from the estate.
export const CSV_HEADER = [
  "id",
  "rule",
  "severity",
  "owasp",
  "owasp_name",
  "title",
  "subject_id",
  "subject_kind",
  "subject_name",
  "message",
  "action",
] as const;

export interface CsvFinding {
  id: string;
  rule: string;
  severity: string;
  owasp: string;
  owaspName: string;
  title: string;
  subject: { id: string; kind: string; name: string };
  message: string;
  action: string;
}

export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function findingsCsv(rows: CsvFinding[]): string {
  const lines = [CSV_HEADER.join(",")];
  for (const f of rows) {
    const cells = [f.id, f.rule, f.severity, f.owasp, f.owaspName, f.title, f.subject.id, f.subject.kind, f.subject.name, f.message, f.action];
    lines.push(cells.map(csvCell).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}

export function download(text: string, fileName: string, type = "text/csv"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
