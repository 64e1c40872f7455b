// Findings: filters (rule, OWASP category, minimum severity, owner, verdict) and the page in the
// address, paging through the API's connection, sorting, links to nodes and a CSV of every
// finding the filters select.
import { useState, type FormEvent } from "react";
import { FindingsDocument, type FindingsQuery, type FindingsQueryVariables, type OwaspCategory, type Severity as SeverityName, type Verdict as VerdictName } from "../generated/graphql";
import { download, findingsCsv, type CsvFinding } from "../findings/csv";
import { sortFindings, type SortKey } from "../findings/sort";
import { useAuth } from "../lib/auth";
import { sentenceFor } from "../lib/errors";
import { Link, navigate, useLocation, withParams } from "../lib/router";
import { Empty, ErrorMessage, Heading, Loading, NodeLink, Severity } from "../lib/ui";
import { useQuery } from "../lib/useQuery";

const PAGE = 50;
const SEVERITIES = { CRITICAL: "critical", HIGH: "high and above", MEDIUM: "medium and above", LOW: "low and above" } satisfies Record<SeverityName, string>;
const VERDICTS = { OWNED: "owned", ORPHANED: "orphaned", OWNER_OFFBOARDED: "owner offboarded", AMBIGUOUS: "ambiguous", PROVIDER_OWNED: "provider owned" } satisfies Record<VerdictName, string>;
const COLUMNS: { key: SortKey; label: string }[] = [
  { key: "severity", label: "Severity" },
  { key: "owasp", label: "OWASP" },
  { key: "rule", label: "Rule" },
  { key: "subject", label: "Subject" },
];

export function filtersFrom(search: URLSearchParams): Omit<FindingsQueryVariables, "first" | "after"> {
  const pick = <T extends string>(key: string, allowed?: readonly string[]) => {
    const value = search.get(key);
    return value && (!allowed || allowed.includes(value)) ? (value as T) : null;
  };
  return {
    rule: pick("rule"),
    owasp: pick<OwaspCategory>("owasp"),
    severity: pick<SeverityName>("severity", Object.keys(SEVERITIES)),
    owner: pick("owner"),
    verdict: pick<VerdictName>("verdict", Object.keys(VERDICTS)),
  };
}

function FilterForm({ rules, search }: { rules: { id: string; title: string; owasp: string; owaspName: string }[]; search: URLSearchParams }) {
  const [owner, setOwner] = useState(search.get("owner") ?? "");
  const set = (key: string, value: string) => navigate(`/findings${withParams(search, { [key]: value, after: null })}`);
  const categories = [...new Map(rules.map((r) => [r.owasp, r.owaspName])).entries()].sort(
    (a, b) => Number(a[0].slice(3)) - Number(b[0].slice(3)),
  );
  return (
    <form className="filters-form" onSubmit={(e: FormEvent) => (e.preventDefault(), set("owner", owner.trim()))} aria-label="Filter findings">
      <label>
        OWASP category
        <select value={search.get("owasp") ?? ""} onChange={(e) => navigate(`/findings${withParams(search, { owasp: e.target.value, rule: null, after: null })}`)}>
          <option value="">any</option>
          {categories.map(([id, name]) => (
            <option key={id} value={id}>
              {id} {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Rule
        <select value={search.get("rule") ?? ""} onChange={(e) => navigate(`/findings${withParams(search, { rule: e.target.value, owasp: null, after: null })}`)}>
          <option value="">any</option>
          {rules.map((r) => (
            <option key={r.id} value={r.id}>
              {r.id}: {r.title}
            </option>
          ))}
        </select>
      </label>
      <label>
        Severity
        <select value={search.get("severity") ?? ""} onChange={(e) => set("severity", e.target.value)}>
          <option value="">any</option>
          {Object.entries(SEVERITIES).map(([k, v]) => (
            <option key={k} value={k}>
              {v}
            </option>
          ))}
        </select>
      </label>
      <label>
        Verdict
        <select value={search.get("verdict") ?? ""} onChange={(e) => set("verdict", e.target.value)}>
          <option value="">any</option>
          {Object.entries(VERDICTS).map(([k, v]) => (
            <option key={k} value={k}>
              {v}
            </option>
          ))}
        </select>
      </label>
      <label>
        Owner (person or team id)
        <span className="row">
          <input value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="person:dana@…" />
          <button type="submit">Apply</button>
        </span>
      </label>
    </form>
  );
}

export function FindingsView() {
  const { request } = useAuth();
  const { search } = useLocation();
  const filters = filtersFrom(search);
  const after = search.get("after");
  const sort = (search.get("sort") as SortKey | null) ?? "severity";
  const descending = search.get("dir") === "desc";
  const { data, error, loading } = useQuery(FindingsDocument, { ...filters, first: PAGE, after });
  const [exporting, setExporting] = useState<string | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([]);
  const rows = data ? sortFindings(data.findings.findings.nodes, sort, descending) : [];

  const exportCsv = async () => {
    setExporting("Collecting every finding for the CSV…");
    try {
      const all: CsvFinding[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 200; page++) {
        const answer: FindingsQuery = await request(FindingsDocument, { ...filters, first: 200, after: cursor });
        all.push(...answer.findings.findings.nodes);
        const info = answer.findings.findings.pageInfo;
        if (!info.hasNextPage) break;
        cursor = info.endCursor ?? null;
      }
      const name = ["keytrail-findings", filters.owasp, filters.rule, filters.severity, filters.verdict].filter(Boolean).join("-");
      download(findingsCsv(all), `${name.toLowerCase()}.csv`);
      setExporting(`Exported ${all.length} findings.`);
    } catch (exc) {
      setExporting(sentenceFor(exc));
    }
  };

  const sortBy = (key: SortKey) =>
    navigate(`/findings${withParams(search, { sort: key, dir: sort === key && !descending ? "desc" : null })}`, { replace: true });

  return (
    <section className="findings">
      <Heading>Findings</Heading>
      {data && <FilterForm rules={data.rules} search={search} />}
      {loading && <Loading what="findings" />}
      {!!error && <ErrorMessage error={error} />}
      {data && (
        <>
          <p className="summary" aria-live="polite">
            {data.findings.total} finding{data.findings.total === 1 ? "" : "s"} match
            {data.findings.countsBySeverity.length > 0 &&
              ` (${data.findings.countsBySeverity.map((c) => `${c.count} ${c.key.toLowerCase()}`).join(", ")})`}
            .{" "}
            <button type="button" onClick={() => void exportCsv()} disabled={!data.findings.total}>
              Export CSV
            </button>{" "}
            {(search.toString() && (
              <Link href="/findings" className="clear">
                Clear filters
              </Link>
            )) ||
              null}
          </p>
          {exporting && (
            <p className="notice" role="status">
              {exporting}
            </p>
          )}
          {!rows.length && <Empty>No finding matches these filters.</Empty>}
          {rows.length > 0 && (
            <table className="findings-table">
              <caption>Sorted by {sort}{descending ? ", descending" : ""} within this page; pages come most severe first.</caption>
              <thead>
                <tr>
                  {COLUMNS.map((c) => (
                    <th key={c.key} scope="col" aria-sort={sort === c.key ? (descending ? "descending" : "ascending") : undefined}>
                      <button type="button" className="sort" onClick={() => sortBy(c.key)}>
                        {c.label}
                        <span aria-hidden="true">{sort === c.key ? (descending ? " ▼" : " ▲") : ""}</span>
                      </button>
                    </th>
                  ))}
                  <th scope="col">What</th>
                  <th scope="col">Recommended action</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((f) => (
                  <tr key={f.id}>
                    <td>
                      <Severity severity={f.severity} />
                    </td>
                    <td title={f.owaspName}>{f.owasp}</td>
                    <td className="mono">{f.rule}</td>
                    <td>
                      <NodeLink id={f.subject.id} name={f.subject.name} kind={f.subject.kind} />
                    </td>
                    <td>{f.message}</td>
                    <td>{f.action}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav className="pager" aria-label="Pages">
            <button
              type="button"
              disabled={!after}
              onClick={() => {
                const previous = cursors.slice(0, -1);
                setCursors(previous);
                navigate(`/findings${withParams(search, { after: cursors[cursors.length - 1] ?? null })}`);
              }}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={!data.findings.findings.pageInfo.hasNextPage}
              onClick={() => {
                setCursors([...cursors, after]);
                navigate(`/findings${withParams(search, { after: data.findings.findings.pageInfo.endCursor ?? null })}`);
              }}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
