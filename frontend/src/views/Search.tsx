// Search by id, name, key id, fingerprint, email or session id; arrow keys move through the results.
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { SearchDocument } from "../generated/graphql";
import { Link, navigate, useLocation, withParams } from "../lib/router";
import { nodeUrl } from "../lib/routes";
import { Empty, ErrorMessage, Heading, KindBadge, Loading } from "../lib/ui";
import { useQuery } from "../lib/useQuery";

export function Search() {
  const { search } = useLocation();
  const text = search.get("q") ?? "";
  const [draft, setDraft] = useState(text);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => setDraft(text), [text]);

  useEffect(() => {
    // typing updates the address (replace, not push: one history entry per search, not per key)
    const timer = setTimeout(() => {
      if (draft.trim() !== text) navigate(`/search${withParams(search, { q: draft.trim() })}`, { replace: !!text });
    }, 250);
    return () => clearTimeout(timer);
  }, [draft, text, search]);

  const { data, error, loading } = useQuery(SearchDocument, text.length >= 2 ? { text, first: 50 } : null);
  const results = data?.search.nodes ?? [];

  const move = (event: KeyboardEvent) => {
    const links = [...(list.current?.querySelectorAll<HTMLAnchorElement>("a") ?? [])];
    if (!links.length || !["ArrowDown", "ArrowUp", "Home", "End"].includes(event.key)) return;
    event.preventDefault();
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next =
      event.key === "Home" ? 0 : event.key === "End" ? links.length - 1 : event.key === "ArrowDown" ? at + 1 : at - 1;
    if (next < 0) document.getElementById("search-text")?.focus();
    else links[Math.min(next, links.length - 1)].focus();
  };

  return (
    <section onKeyDown={move}>
      <Heading>Search the graph</Heading>
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/search${withParams(search, { q: draft.trim() })}`);
          list.current?.querySelector("a")?.focus();
        }}
      >
        <label htmlFor="search-text">Id, name, key id, fingerprint, email or session id</label>
        <div className="row">
          <input
            id="search-text"
            type="search"
            value={draft}
            autoFocus
            onChange={(e) => setDraft(e.target.value)}
            placeholder="AKIA…, dana@…, svc-deploy"
            aria-describedby="search-help"
          />
          <button type="submit">Search</button>
        </div>
        <p id="search-help" className="help">
          Type at least two characters. Use the arrow keys to move through the results and Enter to open one.
        </p>
      </form>
      {loading && <Loading what="results" />}
      {!!error && <ErrorMessage error={error} />}
      {data && !results.length && <Empty>No node's id or name contains “{text}”.</Empty>}
      {results.length > 0 && (
        <>
          <p className="count" aria-live="polite">
            {results.length}
            {data?.search.pageInfo.hasNextPage ? "+" : ""} results
          </p>
          <ol className="results" ref={list} aria-label="Search results">
            {results.map((node) => (
              <li key={node.id}>
                <Link href={nodeUrl(node.id)}>
                  <span className="result-name">{node.name || node.id}</span>
                </Link>{" "}
                <KindBadge kind={node.kind} /> <span className="subtype">{node.subtype}</span>
                <div className="result-id">{node.id}</div>
              </li>
            ))}
          </ol>
        </>
      )}
      {!text && (
        <Empty>
          Paste a leaked key id to see who answers for it, what it can reach and what it did. Or start from the{" "}
          <Link href="/findings">findings</Link>.
        </Empty>
      )}
    </section>
  );
}
