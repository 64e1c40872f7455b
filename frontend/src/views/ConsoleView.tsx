// A GraphQL console inside the page (it replaces GraphiQL, whose page loaded its scripts from a
// CDN): any query, sent with the signed-in token; the answer is shown as the server sent it.
import { useState, type FormEvent } from "react";
import { rawQuery } from "../lib/api";
import { useAuth } from "../lib/auth";
import { sentenceFor } from "../lib/errors";
import { navigate, useLocation, withParams } from "../lib/router";
import { Heading } from "../lib/ui";

const EXAMPLE = `{
  findings(first: 5) {
    total
    findings { nodes { rule owasp severity subject { id } action } }
  }
}`;

export function ConsoleView() {
  const { token } = useAuth();
  const { search } = useLocation();
  const [query, setQuery] = useState(search.get("query") ?? EXAMPLE);
  const [variables, setVariables] = useState(search.get("variables") ?? "{}");
  const [answer, setAnswer] = useState<{ status: number; text: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const run = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(variables || "{}");
    } catch (exc) {
      setProblem(`The variables are not valid JSON: ${(exc as Error).message}`);
      return;
    }
    navigate(`/console${withParams(search, { query, variables: variables === "{}" ? null : variables })}`, { replace: true });
    try {
      const result = await rawQuery(query, parsed, token ?? "");
      try {
        result.text = JSON.stringify(JSON.parse(result.text), null, 2);
      } catch {
        // not JSON: show as sent
      }
      setAnswer(result);
    } catch (exc) {
      setProblem(sentenceFor(exc));
    }
  };

  return (
    <section className="console">
      <Heading>Query console</Heading>
      <p className="help">
        Runs any GraphQL query against <code>/graphql</code> with your token. The schema is <code>api/schema.graphql</code> in the
        repository. The query is kept in the address, so a query can be shared.
      </p>
      <form onSubmit={run}>
        <label htmlFor="console-query">Query</label>
        <textarea id="console-query" rows={12} spellCheck={false} value={query} onChange={(e) => setQuery(e.target.value)} />
        <label htmlFor="console-variables">Variables (JSON)</label>
        <textarea id="console-variables" rows={3} spellCheck={false} value={variables} onChange={(e) => setVariables(e.target.value)} />
        <button type="submit">Run</button>
      </form>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {answer && (
        <section aria-labelledby="answer">
          <h2 id="answer">Answer (HTTP {answer.status})</h2>
          <pre className="answer" tabIndex={0}>
            {answer.text}
          </pre>
        </section>
      )}
    </section>
  );
}
