// Shared pieces of every view: loading and error states, kind badges, node links, the heading.
import type { ReactNode } from "react";
import { sentenceFor } from "./errors";
import { kindColour, kindLabel } from "./format";
import { Link } from "./router";
import { nodeUrl } from "./routes";

export function Heading({ children }: { children: ReactNode }) {
  return <h1 tabIndex={-1}>{children}</h1>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorMessage({ error }: { error: unknown }) {
  return (
    <p className="error" role="alert">
      {sentenceFor(error)}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function KindBadge({ kind }: { kind: string }) {
  return (
    <span className="kind" style={{ borderColor: kindColour(kind), color: kindColour(kind) }}>
      {kindLabel(kind)}
    </span>
  );
}

export function NodeLink({ id, name, kind }: { id: string; name?: string | null; kind?: string | null }) {
  return (
    <span className="node-link">
      {kind && <KindBadge kind={kind} />} <Link href={nodeUrl(id)}>{name || id}</Link>
    </span>
  );
}

const VERDICT_WORDS: Record<string, string> = {
  OWNED: "owned",
  ORPHANED: "orphaned: no owner on record",
  OWNER_OFFBOARDED: "owner offboarded",
  AMBIGUOUS: "ambiguous: several owners disagree",
  PROVIDER_OWNED: "owned by its provider (e.g. AWS): no owner to assign",
};

export function Verdict({ verdict }: { verdict: string }) {
  return (
    <span className={`verdict verdict-${verdict.toLowerCase()}`} data-verdict={verdict.toLowerCase()}>
      {VERDICT_WORDS[verdict] ?? verdict.toLowerCase()}
    </span>
  );
}

export function Severity({ severity }: { severity: string }) {
  return <span className={`severity severity-${severity.toLowerCase()}`}>{severity.toLowerCase()}</span>;
}

export function Status({ status }: { status: string }) {
  return <span className={`status status-${status.replace(/[^a-z_]/gi, "")}`}>{status.replace(/_/g, " ")}</span>;
}
