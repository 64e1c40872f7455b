// Shared credentials: which owner is behind a key used by several runners (or pipelines, workloads, ...).
import { SharedCredentialsDocument, type ConsumerDimension } from "../generated/graphql";
import { navigate, useLocation, withParams } from "../lib/router";
import { Empty, ErrorMessage, Heading, Loading, NodeLink, Status, Verdict } from "../lib/ui";
import { useQuery } from "../lib/useQuery";

const DIMENSIONS = {
  RUNNER: "runners",
  PIPELINE: "pipelines",
  WORKLOAD: "workloads",
  REPOSITORY: "repositories",
  ENVIRONMENT: "environments",
} satisfies Record<ConsumerDimension, string>;

export function SharedView() {
  const { search } = useLocation();
  const raw = search.get("by") ?? "RUNNER";
  const by = (raw in DIMENSIONS ? raw : "RUNNER") as ConsumerDimension;
  const after = search.get("after");
  const { data, error, loading } = useQuery(SharedCredentialsDocument, { by, first: 50, after });
  const rows = data?.sharedCredentials.nodes ?? [];
  return (
    <section>
      <Heading>Shared credentials</Heading>
      <label>
        Credentials used by several{" "}
        <select value={by} onChange={(e) => navigate(`/shared${withParams(search, { by: e.target.value, after: null })}`)}>
          {Object.entries(DIMENSIONS).map(([k, v]) => (
            <option key={k} value={k}>
              {v}
            </option>
          ))}
        </select>
      </label>
      {loading && <Loading what="shared credentials" />}
      {!!error && <ErrorMessage error={error} />}
      {data && !rows.length && <Empty>No credential is used by more than one of these.</Empty>}
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Credential</th>
              <th scope="col">Used by</th>
              <th scope="col">Who answers for it</th>
              <th scope="col">Recommended action</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.credential.id}>
                <td>
                  <NodeLink id={r.credential.id} name={r.credential.name} kind={r.credential.kind} />
                </td>
                <td>
                  {r.consumerCount} {DIMENSIONS[by]}
                  <ul className="plain">
                    {r.consumers.slice(0, 6).map((c) => (
                      <li key={c.id}>{c.id.includes(":") ? <NodeLink id={c.id} name={c.id.split(":").pop()} kind={c.kind.toUpperCase()} /> : c.id}</li>
                    ))}
                    {r.consumers.length > 6 && <li className="muted">and {r.consumers.length - 6} more</li>}
                  </ul>
                </td>
                <td>
                  <Verdict verdict={r.verdict} />
                  <ul className="plain">
                    {r.owners
                      .filter((o, i, all) => all.findIndex((p) => p.id === o.id) === i)
                      .map((o) => (
                        <li key={o.id}>
                          <NodeLink id={o.id} name={o.name} kind={o.kind} /> <Status status={o.status} />
                        </li>
                      ))}
                  </ul>
                </td>
                <td>{r.action}</td>
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
            disabled={!data.sharedCredentials.pageInfo.hasNextPage}
            onClick={() => navigate(`/shared${withParams(search, { after: data.sharedCredentials.pageInfo.endCursor ?? null })}`)}
          >
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}
