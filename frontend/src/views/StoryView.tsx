// The access story of a subject — a session, credential, identity, person, host or other
// workload, resource or runner — over a time window, as the API tells it in one answer: the
// subject's sessions and the FROM chains from them, up to the person and down to what was done.
import { useEffect, useState, type FormEvent } from "react";
import { StoryDocument } from "../generated/graphql";
import { useAuth } from "../lib/auth";
import { when } from "../lib/format";
import { navigate, useLocation, withParams } from "../lib/router";
import { storyUrl } from "../lib/routes";
import { Empty, ErrorMessage, Heading, KindBadge, Loading, NodeLink } from "../lib/ui";
import { otherGaps, placeOf, PLACE_LABEL, sessionSlots, stepsByDay, subjectGaps, type Place, type SessionStory, type Story } from "../story/timeline";
import { Evidence } from "./NodePage";

const SUBJECTS = "session, credential, identity, person, host, resource or runner";

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
        <label htmlFor="story-id">Id of a {SUBJECTS}</label>
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

function SessionCard({ session, place }: { session: SessionStory; place: Place }) {
  const slots = sessionSlots(session);
  const extra = otherGaps(session);
  return (
    <li className={`session-card place-${place}`} data-place={place}>
      <h3>
        <NodeLink id={session.session.id} name={session.session.name} kind="SESSION" />
      </h3>
      <p className="muted">
        <span className="place">{PLACE_LABEL[place]}</span> · {when(session.startedAt)} →{" "}
        {session.endedAt ? when(session.endedAt) : "end unknown"}
        {session.sourceIps.length ? ` · from ${session.sourceIps.join(", ")}` : ""}
        {session.personVia ? ` · person via ${session.personVia}` : ""}
      </p>
      {(session.parents.length > 0 || session.children.length > 0) && (
        <dl className="hops">
          {session.parents.length > 0 && (
            <>
              <dt>Came from</dt>
              <dd>
                {session.parents.map((p) => (
                  <NodeLink key={p} id={p} />
                ))}
              </dd>
            </>
          )}
          {session.children.length > 0 && (
            <>
              <dt>Led to</dt>
              <dd>
                {session.children.map((c) => (
                  <NodeLink key={c} id={c} />
                ))}
              </dd>
            </>
          )}
        </dl>
      )}
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

function Timeline({ story }: { story: Story }) {
  const days = stepsByDay(story.steps);
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
  const [state, setState] = useState<{ story: Story | null; error: unknown }>({ story: null, error: null });
  useEffect(() => {
    if (!id) return;
    let live = true;
    setState({ story: null, error: null });
    request(StoryDocument, { subject: id, start, end })
      .then((data) => live && setState({ story: data.accessStory, error: null }))
      .catch((error) => live && setState({ story: null, error }));
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
  const { story, error } = useStory(id, start, end);
  const subject = story?.subject;
  const gaps = story ? subjectGaps(story) : [];
  return (
    <section className="story">
      <Heading>Access story{subject ? ` of ${subject.name || subject.id}` : ""}</Heading>
      <StoryForm key={id ?? ""} id={id ?? ""} start={start ?? ""} end={end ?? ""} />
      {!id && <Empty>Give the id of a {SUBJECTS} to see who did what, from where, with whose approval.</Empty>}
      {id && !!error && <ErrorMessage error={error} />}
      {id && !error && !story && <Loading what="the access story" />}
      {story && subject && (
        <>
          <p className="summary">
            <KindBadge kind={subject.kind} /> {story.roots.length} session{story.roots.length === 1 ? "" : "s"} of its own
            {start || end ? ` between ${start ? when(start) : "the start"} and ${end ? when(end) : "now"}` : ""}
            {story.sessions.length > story.roots.length
              ? `, ${story.sessions.length - story.roots.length} more followed along their chains`
              : ""}
            .{story.truncated && " The story was cut at the server's limit."}
          </p>
          {gaps.length > 0 && (
            <ul className="gaps" aria-label="Gaps in the story">
              {gaps.map((g) => (
                <li key={g} className="gap-text">
                  <span aria-hidden="true">⚠ </span>
                  {g}
                </li>
              ))}
            </ul>
          )}
          {!story.sessions.length && <Empty>No session on record in this window.</Empty>}
          <ol className="sessions" aria-label="Sessions">
            {story.sessions.map((s) => (
              <SessionCard key={s.session.id} session={s} place={placeOf(story, s)} />
            ))}
          </ol>
          {story.steps.length > 0 && <Timeline story={story} />}
        </>
      )}
    </section>
  );
}
