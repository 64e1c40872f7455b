// The access story of a session, credential, identity or person over a time window. The API
// tells a session's or a credential's story; an identity's is that of its credentials and a
// person's that of the sessions they started, merged here into one timeline.
import { useEffect, useState, type FormEvent } from "react";
import { StoryDocument, StorySubjectsDocument } from "../generated/graphql";
import { useAuth } from "../lib/auth";
import { when } from "../lib/format";
import { navigate, useLocation, withParams } from "../lib/router";
import { storyUrl } from "../lib/routes";
import { Empty, ErrorMessage, Heading, KindBadge, Loading, NodeLink } from "../lib/ui";
import { mergeStories, otherGaps, sessionSlots, stepsByDay, type Merged, type SessionStory, type Story } from "../story/timeline";
import { Evidence } from "./NodePage";

const MAX_PARTS = 25;

function StoryForm({ id, start, end }: { id: string; start: string; end: string }) {
  const [draft, setDraft] = useState({ id, start, end });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!draft.id.trim()) return;
    navigate(storyUrl(draft.id.trim()) + withParams(new URLSearchParams(), { start: draft.start, end: draft.end }));
  };
  return (
    <form className="story-form" onSubmit={submit}>
      <div>
        <label htmlFor="story-id">Session, credential, identity or person id</label>
        <input id="story-id" value={draft.id} onChange={(e) => setDraft({ ...draft, id: e.target.value })} />
      </div>
      <div>
        <label htmlFor="story-start">From (UTC, optional)</label>
        <input id="story-start" placeholder="2026-10-01T00:00:00Z" value={draft.start} onChange={(e) => setDraft({ ...draft, start: e.target.value })} />
      </div>
      <div>
        <label htmlFor="story-end">To (UTC, optional)</label>
        <input id="story-end" placeholder="2026-11-01T00:00:00Z" value={draft.end} onChange={(e) => setDraft({ ...draft, end: e.target.value })} />
      </div>
      <button type="submit">Show story</button>
    </form>
  );
}

function SessionCard({ session }: { session: SessionStory }) {
  const slots = sessionSlots(session);
  const extra = otherGaps(session);
  return (
    <li className="session-card">
      <h3>
        <NodeLink id={session.session.id} name={session.session.name} kind="SESSION" />
      </h3>
      <p className="muted">
        {when(session.startedAt)} → {session.endedAt ? when(session.endedAt) : "end unknown"}
        {session.sourceIps.length ? ` · from ${session.sourceIps.join(", ")}` : ""}
        {session.personVia ? ` · person via ${session.personVia}` : ""}
      </p>
      <ol className="links" aria-label="Chain of this session">
        {slots.map((slot) => (
          <li key={slot.label} className={slot.gap ? "gap" : "link"}>
            <span className="slot-label">{slot.label}</span>
            {slot.gap ? (
              <span className="gap-text">
                <span aria-hidden="true">⚠ </span>
                {slot.gap}
              </span>
            ) : (
              slot.nodes.map((n) => <NodeLink key={n.id} id={n.id} name={n.name} kind={n.kind} />)
            )}
          </li>
        ))}
      </ol>
      {extra.length > 0 && (
        <ul className="gaps" aria-label="Other gaps">
          {extra.map((g) => (
            <li key={g} className="gap-text">
              <span aria-hidden="true">⚠ </span>
              {g}
            </li>
          ))}
        </ul>
      )}
      {session.touched.length > 0 && (
        <details open={session.touched.length <= 6}>
          <summary>Touched {session.touched.length} resources</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Actions</th>
                <th scope="col">Commands or queries</th>
                <th scope="col">Count</th>
              </tr>
            </thead>
            <tbody>
              {session.touched.map((t) => (
                <tr key={t.target.id}>
                  <td>
                    <NodeLink id={t.target.id} name={t.target.name} kind={t.target.kind} />
                  </td>
                  <td className="wrap mono">{t.actions.join(", ")}</td>
                  <td className="wrap mono">{t.commands.join("; ") || "—"}</td>
                  <td>{t.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      {session.changes.length > 0 && (
        <ul className="changes" aria-label="Changes made">
          {session.changes.map((c) => (
            <li key={c.change.id}>
              {when(c.at)}: {c.changeType.replace(/_/g, " ")} <span className="mono">{c.action}</span> on{" "}
              {c.targets.map((t) => (
                <NodeLink key={t} id={t} />
              ))}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function Timeline({ merged }: { merged: Merged }) {
  const days = stepsByDay(merged.steps);
  return (
    <section aria-labelledby="timeline">
      <h2 id="timeline">Timeline</h2>
      {days.map(({ day, steps }) => (
        <div key={day} className="day">
          <h3>{day}</h3>
          <ol className="steps">
            {steps.map((s, i) => (
              <li key={i} className={`step step-${s.step}`}>
                <span className="step-time">{s.at ? s.at.slice(11, 19) : "—"}</span>{" "}
                <span className="step-kind">{s.step.replace(/_/g, " ")}</span> {s.summary}
                <Evidence items={s.evidence} />
              </li>
            ))}
          </ol>
        </div>
      ))}
    </section>
  );
}

function useStory(id: string | null, start: string | null, end: string | null) {
  const { request } = useAuth();
  const [state, setState] = useState<{ merged: Merged | null; subject: { id: string; kind: string; name: string } | null; error: unknown; parts: number }>({
    merged: null,
    subject: null,
    error: null,
    parts: 0,
  });
  useEffect(() => {
    if (!id) return;
    let live = true;
    setState({ merged: null, subject: null, error: null, parts: 0 });
    (async () => {
      const found = await request(StorySubjectsDocument, { id, edgeKinds: ["HAS_CREDENTIAL", "STARTED"], first: 200 });
      const kind = found.node.kind;
      let stories: Story[];
      let parts = 1;
      if (kind === "SESSION") stories = [(await request(StoryDocument, { sessionId: id })).accessStory];
      else if (kind === "CREDENTIAL") stories = [(await request(StoryDocument, { credentialId: id, start, end })).accessStory];
      else if (kind === "IDENTITY" || kind === "PERSON") {
        const ids = found.neighbors.neighbors.nodes.map((n) => n.node).filter((n) => n.kind === (kind === "IDENTITY" ? "CREDENTIAL" : "SESSION"));
        parts = ids.length;
        const asked = ids.slice(0, MAX_PARTS).map((n) =>
          request(StoryDocument, kind === "IDENTITY" ? { credentialId: n.id, start, end } : { sessionId: n.id }),
        );
        stories = (await Promise.all(asked)).map((d) => d.accessStory);
      } else throw new Error(`a ${kind.toLowerCase()} has no access story: open one of its sessions, credentials, identities or people`);
      if (live) setState({ merged: mergeStories(stories, start, end), subject: found.node, error: null, parts });
    })().catch((error) => live && setState({ merged: null, subject: null, error, parts: 0 }));
    return () => {
      live = false;
    };
  }, [id, start, end, request]);
  return state;
}

export function StoryView({ id }: { id: string | null }) {
  const { search } = useLocation();
  const start = search.get("start");
  const end = search.get("end");
  const { merged, subject, error, parts } = useStory(id, start, end);
  return (
    <section className="story">
      <Heading>Access story{subject ? ` of ${subject.name || subject.id}` : ""}</Heading>
      <StoryForm key={id ?? ""} id={id ?? ""} start={start ?? ""} end={end ?? ""} />
      {!id && <Empty>Give a session, credential, identity or person id to see who did what, from where, with whose approval.</Empty>}
      {id && !!error && <ErrorMessage error={error} />}
      {id && !error && !merged && <Loading what="the access story" />}
      {merged && subject && (
        <>
          <p className="summary">
            <KindBadge kind={subject.kind} /> {merged.sessions.length} session{merged.sessions.length === 1 ? "" : "s"}
            {start || end ? ` between ${start ? when(start) : "the start"} and ${end ? when(end) : "now"}` : ""}.
            {parts > MAX_PARTS && ` Showing the stories of the first ${MAX_PARTS} of ${parts}.`}
            {merged.truncated && " The story was cut at the server's limit."}
          </p>
          {!merged.sessions.length && <Empty>No session on record in this window.</Empty>}
          <ol className="sessions" aria-label="Sessions">
            {merged.sessions.map((s) => (
              <SessionCard key={s.session.id} session={s} />
            ))}
          </ol>
          {merged.steps.length > 0 && <Timeline merged={merged} />}
        </>
      )}
    </section>
  );
}
