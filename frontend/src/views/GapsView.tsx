// Ownership gaps: identities, credentials, pipelines and workloads with no living owner, most
// severe first (the API's order: an offboarded owner of an active credential before unowned instances).
import { OwnershipGapsDocument } from "../generated/graphql";
import { words } from "../lib/format";
import { navigate, useLocation, withParams } from "../lib/router";
import { Empty, ErrorMessage, Heading, Loading, NodeLink, Severity } from "../lib/ui";
import { useQuery } from "../lib/useQuery";

export function GapsView() {
  const { search } = useLocation();
  const after = search.get("after");
  const { data, error, loading } = useQuery(OwnershipGapsDocument, { first: 50, after });
  const gaps = data?.ownershipGaps.gaps.nodes ?? [];
  return (
    <section>
      <Heading>Ownership gaps</Heading>
      {loading && <Loading what="ownership gaps" />}
      {!!error && <ErrorMessage error={error} />}
      {data && (
        <p className="summary">
          {data.ownershipGaps.counts.map((c) => `${c.count} ${words(c.key)}`).join(", ") || "No gaps."}
        </p>
      )}
      {data && !gaps.length && <Empty>Every identity, credential, pipeline and workload has a living owner.</Empty>}
      {gaps.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Gap</th>
              <th scope="col">Owner on record</th>
              <th scope="col">What it leaves without an owner</th>
              <th scope="col">Recommended action</th>
            </tr>
          </thead>
          <tbody>
            {gaps.map((g) => (
              <tr key={g.id}>
                <td>
                  <Severity severity={g.severity} />
                </td>
                <td>{words(g.gapType)}</td>
                <td>{g.owner ? <NodeLink id={g.owner.id} name={g.owner.name} kind={g.owner.kind} /> : "none"}</td>
                <td>
                  <ul className="plain">
                    {g.subjects.slice(0, 8).map((s) => (
                      <li key={s.id}>
                        <NodeLink id={s.id} name={s.name} kind={s.kind} />
                      </li>
                    ))}
                    {g.subjectCount > 8 && <li className="muted">and {g.subjectCount - 8} more</li>}
                  </ul>
                </td>
                <td>{g.action}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && (
        <nav className="pager" aria-label="Pages">
          <button type="button" disabled={!after} onClick={() => history.back()}>
            Previous page
          </button>
          <button
            type="button"
            disabled={!data.ownershipGaps.gaps.pageInfo.hasNextPage}
            onClick={() => navigate(`/gaps${withParams(search, { after: data.ownershipGaps.gaps.pageInfo.endCursor ?? null })}`)}
          >
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}
