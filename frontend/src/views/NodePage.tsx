// One node: who answers for it (every chain to a person, each hop with its evidence), its
// findings, its permission history, its properties (the API never returns secret values) and
// its neighbours by edge kind.
import {
  CredentialUseDocument,
  NodeFindingsDocument,
  NodeHistoryDocument,
  NodeNeighborsDocument,
  NodePageDocument,
  type NodePageQuery,
} from "../generated/graphql";
import { EDGE_KINDS } from "../generated/model";
import { propText, shortSource, when, words } from "../lib/format";
import { Link } from "../lib/router";
import { blastUrl, storyUrl } from "../lib/routes";
import { Empty, ErrorMessage, Heading, KindBadge, Loading, NodeLink, Severity, Status, Verdict } from "../lib/ui";
import { useQuery } from "../lib/useQuery";
import type { EvidenceList } from "../lib/scalars";

type Accountability = NodePageQuery["accountability"];
type Chain = Accountability["chains"][number];

const STORY_KINDS = new Set(["SESSION", "CREDENTIAL", "IDENTITY", "PERSON"]);
const BLAST_KINDS = new Set(["CREDENTIAL", "IDENTITY", "RUNNER", "WORKLOAD", "PIPELINE", "REPOSITORY", "TEAM", "PERSON"]);

export function Evidence({ items }: { items: EvidenceList }) {
  if (!items.length) return <span className="muted">no evidence recorded</span>;
  const shown = items.slice(0, 3);
  return (
    <ul className="evidence">
      {shown.map((e, i) => (
        <li key={i} title={e.source}>
          {shortSource(e.source)} · {e.locator}
          {e.at ? ` · ${when(e.at)}` : ""}
        </li>
      ))}
      {items.length > shown.length && <li className="muted">and {items.length - shown.length} more</li>}
    </ul>
  );
}

function ChainView({ chain, subject }: { chain: Chain; subject: string }) {
  return (
    <li className="chain">
      <p>
        <NodeLink id={chain.person} name={chain.hops.flatMap((h) => [h.sourceNode, h.targetNode]).find((n) => n?.id === chain.person)?.name} kind="PERSON" />{" "}
        — {words(chain.role)}, <Status status={chain.personStatus} />, {chain.hops.length} hop{chain.hops.length === 1 ? "" : "s"}
      </p>
      <ol className="path" aria-label={`Path from ${subject} to ${chain.person}`}>
        {chain.hops.map((hop, i) => (
          <li key={i}>
            <span className="hop-end">{hop.sourceNode?.name ?? hop.source}</span>
            <span className="hop-kind" title={EDGE_KINDS[hop.kind]?.description}>
              {" "}
              —{hop.kind}→{" "}
            </span>
            <span className="hop-end">{hop.targetNode?.name ?? hop.target}</span>
            <Evidence items={hop.evidence} />
          </li>
        ))}
      </ol>
    </li>
  );
}

function AccountabilitySection({ data, subject }: { data: Accountability; subject: string }) {
  return (
    <section aria-labelledby="who">
      <h2 id="who">Who answers for it</h2>
      <p className="verdict-line">
        Verdict: <Verdict verdict={data.verdict} />
      </p>
      <p className="action">
        <strong>Next step:</strong> {data.action}
      </p>
      {data.notes.map((n, i) => (
        <p key={i} className="note">
          {n}
        </p>
      ))}
      {data.owners.length ? (
        <table>
          <caption>Owners and their liveness</caption>
          <thead>
            <tr>
              <th scope="col">Owner</th>
              <th scope="col">Status</th>
              <th scope="col">Owns</th>
              <th scope="col">Distance</th>
              <th scope="col">Recorded by</th>
            </tr>
          </thead>
          <tbody>
            {data.owners
              .filter((o, i, all) => all.findIndex((p) => p.id === o.id && p.owns === o.owns) === i)
              .map((o) => (
                <tr key={`${o.id}-${o.owns}`}>
                  <td>
                    <NodeLink id={o.id} name={o.name} kind={o.kind} />
                  </td>
                  <td>
                    <Status status={o.status} />
                  </td>
                  <td className="mono">{o.owns}</td>
                  <td>{o.distance}</td>
                  <td>{o.provenance || "—"}</td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : (
        <Empty>No owner on record: nobody answers for this node.</Empty>
      )}
      {data.chains.length > 0 && (
        <>
          <h3>Chains to a person</h3>
          <ol className="chains">
            {data.chains.map((c, i) => (
              <ChainView key={i} chain={c} subject={subject} />
            ))}
          </ol>
        </>
      )}
      {data.truncated && <p className="note">The walk stopped at its limit: more chains may exist.</p>}
    </section>
  );
}

function FindingsSection({ id }: { id: string }) {
  const { data, error, loading } = useQuery(NodeFindingsDocument, { id, first: 100 });
  const rows = data?.findings.findings.nodes ?? [];
  return (
    <section aria-labelledby="findings">
      <h2 id="findings">Findings</h2>
      {loading && <Loading what="findings" />}
      {!!error && <ErrorMessage error={error} />}
      {data && !rows.length && <Empty>No rule fires on this node.</Empty>}
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">OWASP</th>
              <th scope="col">Rule</th>
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
                <td>
                  {f.owasp} <span className="muted">{f.owaspName}</span>
                </td>
                <td className="mono">{f.rule}</td>
                <td>{f.message}</td>
                <td>{f.action}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Where a credential was used: the runners, hosts and pipelines its sessions came from. */
function UseSection({ id }: { id: string }) {
  const { data, error, loading } = useQuery(CredentialUseDocument, { id });
  const users = new Map<string, { id: string; kind: string; name: string; sessions: number }>();
  for (const s of data?.accessStory.sessions ?? []) {
    for (const o of [...s.origins, ...s.pipelines]) {
      const seen = users.get(o.id) ?? { ...o, sessions: 0 };
      seen.sessions += 1;
      users.set(o.id, seen);
    }
  }
  const rows = [...users.values()].sort((a, b) => b.sessions - a.sessions || a.name.localeCompare(b.name));
  return (
    <section aria-labelledby="used">
      <h2 id="used">Where it is used</h2>
      {loading && <Loading what="where it is used" />}
      {!!error && <ErrorMessage error={error} />}
      {data && !rows.length && <Empty>No session records a runner, host or pipeline for this credential.</Empty>}
      {rows.length > 0 && (
        <ul className="plain used">
          {rows.map((u) => (
            <li key={u.id}>
              <NodeLink id={u.id} name={u.name} kind={u.kind} /> — {u.sessions} session{u.sessions === 1 ? "" : "s"}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function HistorySection({ id }: { id: string }) {
  const { data, error, loading } = useQuery(NodeHistoryDocument, { id, first: 100 });
  const rows = data?.permissionHistory.entries.nodes ?? [];
  return (
    <section aria-labelledby="history">
      <h2 id="history">Permission history</h2>
      {loading && <Loading what="history" />}
      {!!error && <ErrorMessage error={error} />}
      {data && !rows.length && <Empty>No grant, revocation, key change or review is on record.</Empty>}
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Change</th>
              <th scope="col">By</th>
              <th scope="col">Detail</th>
              <th scope="col">Evidence</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((h) => (
              <tr key={h.change.id}>
                <td>{when(h.at)}</td>
                <td>
                  {words(h.changeType)} <span className="mono">{h.action}</span>
                  {h.decision ? ` (${h.decision})` : ""}
                </td>
                <td>{h.actorText || "unknown"}</td>
                <td>{h.detail}</td>
                <td>
                  <Evidence items={h.evidence} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NeighboursSection({ id }: { id: string }) {
  const { data, error, loading } = useQuery(NodeNeighborsDocument, { id, first: 200 });
  const rows = data?.neighbors.neighbors.nodes ?? [];
  const groups = new Map<string, typeof rows>();
  for (const row of rows) {
    const key = `${row.edge.kind} (${row.direction === "out" ? "from this node" : "to this node"})`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return (
    <section aria-labelledby="neighbours">
      <h2 id="neighbours">Neighbours by edge kind</h2>
      {loading && <Loading what="neighbours" />}
      {!!error && <ErrorMessage error={error} />}
      {data && !rows.length && <Empty>No edges.</Empty>}
      {[...groups.entries()].map(([kind, items]) => (
        <details key={kind} open={items.length <= 12}>
          <summary>
            {kind}: {items.length}
          </summary>
          <ul className="neighbours">
            {items.map((n) => (
              <li key={`${n.direction}-${n.node.id}-${n.edge.kind}`}>
                <NodeLink id={n.node.id} name={n.node.name} kind={n.node.kind} />
              </li>
            ))}
          </ul>
        </details>
      ))}
      {data?.neighbors.neighbors.pageInfo.hasNextPage && <p className="note">Showing the first 200 neighbours.</p>}
    </section>
  );
}

export function NodePage({ id }: { id: string }) {
  const { data, error, loading } = useQuery(NodePageDocument, { id });
  if (loading && !data) return <Loading what="the node" />;
  if (error || !data)
    return (
      <section>
        <Heading>Node {id}</Heading>
        <ErrorMessage error={error} />
      </section>
    );
  const node = data.node;
  const props = Object.entries((node.props ?? {}) as Record<string, unknown>).filter(([, v]) => v !== null && v !== "");
  return (
    <article className="node-page">
      <Heading>
        {node.name || node.id} <KindBadge kind={node.kind} />
      </Heading>
      <p className="mono subtitle">
        {node.id} · {node.subtype}
      </p>
      <p className="actions">
        {BLAST_KINDS.has(node.kind) && (
          <Link className="button" href={blastUrl(node.id)}>
            Blast radius
          </Link>
        )}
        {STORY_KINDS.has(node.kind) && (
          <Link className="button" href={storyUrl(node.id)}>
            Access story
          </Link>
        )}
      </p>
      <AccountabilitySection data={data.accountability} subject={node.name || node.id} />
      {node.kind === "CREDENTIAL" && <UseSection id={id} />}
      <FindingsSection id={id} />
      <section aria-labelledby="props">
        <h2 id="props">Properties</h2>
        <table className="props">
          <tbody>
            <tr>
              <th scope="row">first seen</th>
              <td>{when(node.firstSeen)}</td>
            </tr>
            <tr>
              <th scope="row">last seen</th>
              <td>{when(node.lastSeen)}</td>
            </tr>
            {props.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key.replace(/_/g, " ")}</th>
                <td className="wrap">{propText(value)}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">sources</th>
              <td className="wrap">{node.sources.map(shortSource).join(", ")}</td>
            </tr>
          </tbody>
        </table>
      </section>
      <HistorySection id={id} />
      <NeighboursSection id={id} />
    </article>
  );
}
