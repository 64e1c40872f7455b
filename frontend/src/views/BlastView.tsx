// The blast-radius explorer: what a compromised node reaches, drawn with sigma.js (WebGL).
// Depth, hidden kinds and categories and the selected node live in the address, so a view can
// be shared; the node table under the canvas offers the same selection to keyboards and
// screen readers.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { AccountablePathDocument, BlastDocument, ExpandDocument } from "../generated/graphql";
import { CATEGORIES, NODE_KINDS, PRIVILEGE_LEVELS, TOUCHED } from "../generated/model";
import {
  addPaths,
  buildBlastGraph,
  expandInto,
  levelStyle,
  nodeVisible,
  present,
  type Blast,
  type BlastGraph,
  type Filters,
} from "../graph/build";
import { GraphCanvas, type CanvasApi } from "../graph/GraphCanvas";
import { coverageLines, kindCounts, uncovered } from "../graph/coverage";
import { settle } from "../graph/settle";
import { useAuth } from "../lib/auth";
import { sentenceFor } from "../lib/errors";
import { kindLabel } from "../lib/format";
import { Link, navigate, useLocation, withParams } from "../lib/router";
import { nodeUrl } from "../lib/routes";
import { ErrorMessage, Heading, KindBadge, Loading } from "../lib/ui";

export const REQUEST_MARK = "keytrail:blast-request";
export const FRAME_MARK = "keytrail:blast-first-frame";
const TABLE_ROWS = 300;

function listParam(value: string | null): Set<string> {
  return new Set((value ?? "").split(",").filter(Boolean));
}

/** "owner Dana Whitfield (offboarded?), manager Alex Adams, 21 team members" — short enough to read. */
export function describeChains(chains: { person: string; role: string }[], names: Map<string, { name: string }>): string {
  const byRole = new Map<string, Set<string>>();
  for (const c of chains) byRole.set(c.role, (byRole.get(c.role) ?? new Set()).add(names.get(c.person)?.name ?? c.person));
  return [...byRole.entries()]
    .map(([role, people]) =>
      people.size <= 2 ? `${role.replace(/_/g, " ")} ${[...people].join(" and ")}` : `${people.size} ${role.replace(/_/g, " ")}s`,
    )
    .join("; ");
}

/** One coverage term of the selected resource; long lists are cut, with the count said. */
function CoverageTerm({ term, values }: { term: string; values: string[] }) {
  const shown = values.slice(0, 12);
  return (
    <>
      <dt>{term}</dt>
      <dd className="wrap mono">
        {shown.join(", ")}
        {values.length > shown.length ? ` and ${values.length - shown.length} more` : ""}
      </dd>
    </>
  );
}

function Legend({ kinds }: { kinds: string[] }) {
  return (
    <section className="legend" aria-labelledby="legend-title">
      <h2 id="legend-title">Legend</h2>
      <ul>
        {kinds.map((k) => (
          <li key={k}>
            <span className="dot" style={{ background: NODE_KINDS[k as keyof typeof NODE_KINDS]?.colour }} />{" "}
            {kindLabel(k)}
          </li>
        ))}
      </ul>
      <h3>Granted access (straight arrows)</h3>
      <ul>
        {PRIVILEGE_LEVELS.map((l) => (
          <li key={l.level}>
            <span className="line" style={{ background: l.colour, height: `${l.width}px` }} /> {l.mark} = {l.label}
          </li>
        ))}
      </ul>
      <h3>Observed</h3>
      <ul>
        <li>
          <span className="ring" style={{ borderColor: TOUCHED.colour }} /> ringed: granted and touched
        </li>
        <li>
          <span className="curve" style={{ borderColor: TOUCHED.colour }} /> curved: touched, never granted
        </li>
      </ul>
    </section>
  );
}

export function BlastView({ id }: { id: string }) {
  const { request } = useAuth();
  const { search } = useLocation();
  const depth = Math.min(Math.max(Number(search.get("depth") ?? 4) || 4, 1), 6);
  const selected = search.get("node");
  const hiddenKinds = search.get("hide");
  const hiddenCats = search.get("hidecat");
  const filters: Filters = useMemo(
    () => ({ hiddenKinds: listParam(hiddenKinds), hiddenCategories: listParam(hiddenCats) }),
    [hiddenKinds, hiddenCats],
  );
  const [blast, setBlast] = useState<Blast | null>(null);
  const [graph, setGraph] = useState<BlastGraph | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [highlight, setHighlight] = useState<{ nodes: Set<string>; edges: Set<string> } | null>(null);
  const canvas = useRef<CanvasApi | null>(null);
  const stopLayout = useRef<(() => void) | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    setBlast(null);
    setGraph(null);
    setError(null);
    setHighlight(null);
    performance.clearMarks(REQUEST_MARK);
    performance.clearMarks(FRAME_MARK);
    performance.mark(REQUEST_MARK);
    request(BlastDocument, { id, maxDepth: depth, maxNodes: 5000 }, abort.signal).then(
      (data) => {
        if (abort.signal.aborted) return;
        setBlast(data.blastRadius);
        setGraph(buildBlastGraph(data.blastRadius));
      },
      (exc) => !abort.signal.aborted && setError(exc),
    );
    return () => {
      abort.abort();
      stopLayout.current?.();
    };
  }, [id, depth, request]);

  const go = useCallback(
    (changes: Record<string, string | null>) => navigate(`/blast/${encodeURIComponent(id)}${withParams(search, changes)}`, { replace: "node" in changes }),
    [id, search],
  );
  const toggle = (param: "hide" | "hidecat", value: string) => {
    const set = listParam(search.get(param));
    if (set.has(value)) set.delete(value);
    else set.add(value);
    go({ [param]: [...set].join(",") });
  };

  const expand = async (node: string) => {
    if (!graph) return;
    setBusy("Expanding…");
    try {
      const data = await request(ExpandDocument, { id: node, first: 200 });
      const added = expandInto(graph, node, data.neighbors.neighbors.nodes);
      setNotice(
        `${added} new neighbour${added === 1 ? "" : "s"} of ${graph.getNodeAttribute(node, "name")} added${
          data.neighbors.neighbors.pageInfo.hasNextPage ? " (the first 200)" : ""
        }.`,
      );
      setVersion((v) => v + 1);
    } catch (exc) {
      setNotice(sentenceFor(exc));
    } finally {
      setBusy(null);
    }
  };

  const showPath = async () => {
    if (!graph || !blast) return;
    if (highlight) {
      setHighlight(null);
      return;
    }
    setBusy("Finding the accountable people…");
    try {
      const data = await request(AccountablePathDocument, { id });
      const hops = data.accountability.chains.flatMap((c) => c.hops);
      if (!hops.length) setNotice(`No chain leads from this node to a person (verdict ${data.accountability.verdict.toLowerCase()}).`);
      else {
        const names = new Map<string, { kind: string; name: string }>();
        for (const hop of hops) {
          if (hop.sourceNode) names.set(hop.source, hop.sourceNode);
          if (hop.targetNode) names.set(hop.target, hop.targetNode);
        }
        setHighlight(addPaths(graph, hops, names));
        setNotice(`Path to the accountable people highlighted: ${describeChains(data.accountability.chains, names)}.`);
      }
      setVersion((v) => v + 1);
    } catch (exc) {
      setNotice(sentenceFor(exc));
    } finally {
      setBusy(null);
    }
  };

  const runLayout = () => {
    if (!graph) return;
    stopLayout.current?.();
    setBusy("Settling the layout…");
    stopLayout.current = settle(graph, graph.order > 2000 ? 100 : 300, (done) => {
      if (done) {
        setBusy(null);
        canvas.current?.fit();
      }
    });
  };

  const shown = useMemo(() => {
    if (!graph) return { rows: [], total: 0 };
    const rows = graph
      .mapNodes((node, a) => ({ node, ...a }))
      .filter((a) => nodeVisible(a, filters))
      .sort((a, b) => (a.depth ?? 99) - (b.depth ?? 99) || a.name.localeCompare(b.name));
    return { rows: rows.slice(0, TABLE_ROWS), total: rows.length };
    // version: the graph grows in place when a node is expanded
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [graph, filters, version]);

  const kinds = graph ? present(graph) : { kinds: [], categories: [], touchedOnly: false };
  const chosen = selected && graph?.hasNode(selected) ? graph.getNodeAttributes(selected) : null;
  const reachedOf = (node: string) => {
    const resource = blast?.resources.find((r) => r.resource.id === node);
    return resource ? coverageLines(resource) : [];
  };

  return (
    <section className="blast">
      <Heading>Blast radius of {blast?.subject.name ?? id}</Heading>
      {!!error && <ErrorMessage error={error} />}
      {!error && !blast && <Loading what="the blast radius" />}
      {blast && graph && (
        <>
          <p className="summary" aria-live="polite">
            {graph.order} nodes, {graph.size} edges within {depth} hops. Resources: {blast.summary.granted} granted,{" "}
            {blast.summary.touched} touched, {blast.summary.grantedUntouched} granted but never touched,{" "}
            {blast.summary.touchedUngranted} touched but not granted
            {uncovered(blast).calls > 0 &&
              ` (${uncovered(blast).calls} calls on ${uncovered(blast).resources} resources that no grant within reach gives)`}
            . Reached by kind: {kindCounts(blast, kindLabel) || "none"}.
            {blast.truncated && " The walk stopped at its node limit: the graph is incomplete."}
          </p>
          <div className="toolbar" role="toolbar" aria-label="Graph controls">
            <label>
              Depth{" "}
              <select value={depth} onChange={(e) => go({ depth: e.target.value, node: null })}>
                {[1, 2, 3, 4, 5, 6].map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={() => canvas.current?.fit()}>
              Fit
            </button>
            <button type="button" onClick={() => canvas.current?.zoomIn()} aria-label="Zoom in">
              Zoom +
            </button>
            <button type="button" onClick={() => canvas.current?.zoomOut()} aria-label="Zoom out">
              Zoom −
            </button>
            <button type="button" onClick={runLayout} disabled={!!busy}>
              Settle layout
            </button>
            <button type="button" onClick={showPath} aria-pressed={!!highlight} disabled={!!busy && !highlight}>
              Path to accountable person
            </button>
            <button type="button" onClick={() => canvas.current?.exportPng(`keytrail-blast-${blast.subject.name}`)}>
              Export PNG
            </button>
            <Link href={nodeUrl(id)}>Node page</Link>
          </div>
          {(busy || notice) && (
            <p className="notice" role="status">
              {busy ?? notice}
            </p>
          )}
          <div className="graph-area">
            <GraphCanvas
              graph={graph}
              filters={filters}
              selected={selected}
              highlight={highlight}
              onSelect={(node) => go({ node })}
              onReady={(api) => (canvas.current = api)}
              firstFrameMark={FRAME_MARK}
            />
            <aside className="details" aria-labelledby="details-title">
              <h2 id="details-title">Selected node</h2>
              {chosen && selected ? (
                <>
                  <p>
                    <KindBadge kind={chosen.kind} /> <strong>{chosen.name}</strong>
                  </p>
                  <p className="mono wrap">{selected}</p>
                  <dl>
                    <dt>Depth</dt>
                    <dd>{chosen.depth ?? "not granted within reach"}</dd>
                    {chosen.level && (
                      <>
                        <dt>Privilege</dt>
                        <dd>
                          {levelStyle(chosen.level)?.mark} {chosen.level}
                        </dd>
                      </>
                    )}
                    <dt>Touched</dt>
                    <dd>{chosen.touched ? `yes, ${chosen.touchCount} times` : "no"}</dd>
                    {chosen.actions.length > 0 && (
                      <>
                        <dt>Actions seen</dt>
                        <dd className="wrap">{chosen.actions.slice(0, 12).join(", ")}</dd>
                      </>
                    )}
                    {reachedOf(selected).map((line) => (
                      <CoverageTerm key={line.term} term={line.term} values={line.values} />
                    ))}
                    <dt>Edges</dt>
                    <dd>
                      {graph.degree(selected)} ({[...new Set(graph.edges(selected).map((e) => graph.getEdgeAttribute(e, "kind")))].join(", ")})
                    </dd>
                  </dl>
                  <p className="actions">
                    <button type="button" onClick={() => void expand(selected)} disabled={!!busy}>
                      Expand neighbours
                    </button>
                    <Link href={nodeUrl(selected)}>Open node page</Link>
                  </p>
                </>
              ) : (
                <p className="muted">Click a node in the graph or choose one in the table below.</p>
              )}
              <fieldset className="filters">
                <legend>Show node kinds</legend>
                {kinds.kinds.map((k) => (
                  <label key={k}>
                    <input type="checkbox" checked={!filters.hiddenKinds.has(k)} onChange={() => toggle("hide", k)} /> {kindLabel(k)}
                  </label>
                ))}
              </fieldset>
              <fieldset className="filters">
                <legend>Show edge categories</legend>
                {kinds.categories.map((c) => (
                  <label key={c}>
                    <input type="checkbox" checked={!filters.hiddenCategories.has(c)} onChange={() => toggle("hidecat", c)} />{" "}
                    {CATEGORIES[c as keyof typeof CATEGORIES]?.label ?? c}
                  </label>
                ))}
                {kinds.touchedOnly && (
                  <label>
                    <input type="checkbox" checked={!filters.hiddenCategories.has("touched")} onChange={() => toggle("hidecat", "touched")} />{" "}
                    Touched, not granted
                  </label>
                )}
              </fieldset>
            </aside>
          </div>
          <Legend kinds={kinds.kinds} />
          <table className="node-table">
            <caption>
              Nodes in view{shown.total > TABLE_ROWS ? ` (the first ${TABLE_ROWS} of ${shown.total}, nearest first)` : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">Kind</th>
                <th scope="col">Depth</th>
                <th scope="col">Privilege</th>
                <th scope="col">Touched</th>
                <th scope="col">
                  <span className="visually-hidden">Select</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.rows.map((row) => (
                <tr key={row.node} aria-selected={row.node === selected}>
                  <td className="wrap">{row.name}</td>
                  <td>{kindLabel(row.kind)}</td>
                  <td>{row.depth ?? "—"}</td>
                  <td>{row.level ? `${levelStyle(row.level)?.mark} ${row.level}` : "—"}</td>
                  <td>{row.touched ? `yes ×${row.touchCount}` : "no"}</td>
                  <td>
                    <button type="button" onClick={() => go({ node: row.node })} aria-label={`Select ${row.name}`}>
                      Select
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
