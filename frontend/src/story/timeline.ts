// The access story as the page draws it (pure): per session the chain person → identity →
// credential → runner/host → approval, with each missing link a named gap instead of a blank,
// and where each session sits in the FROM chains the API followed (the subject's own sessions,
// the ones they came from, the ones that came from them). The API tells the story of any subject
// (session, credential, identity, person, host, resource, runner) in one answer: nothing is merged here.
import type { StoryQuery } from "../generated/graphql";

export type Story = StoryQuery["accessStory"];
export type SessionStory = Story["sessions"][number];
export type Step = Story["steps"][number];

export interface NodeBrief {
  id: string;
  name: string;
  kind?: string;
}

export interface Slot {
  label: string;
  nodes: NodeBrief[];
  /** the sentence shown where this link is missing, or null when it is on record */
  gap: string | null;
}

function gapFrom(missing: string[], pattern: RegExp, fallback: string): string {
  return missing.find((m) => pattern.test(m)) ?? fallback;
}

export function sessionSlots(session: SessionStory): Slot[] {
  const m = session.missing;
  const person = session.person ? [{ ...session.person, kind: "PERSON" }] : [];
  return [
    { label: "Person", nodes: person, gap: person.length ? null : gapFrom(m, /person/i, "no person linked") },
    { label: "Identity", nodes: session.identities, gap: session.identities.length ? null : gapFrom(m, /identity/i, "no identity on record") },
    {
      label: "Credential",
      nodes: session.credentials,
      gap: session.credentials.length ? null : gapFrom(m, /credential|key/i, "no credential on record"),
    },
    {
      label: "Runner or host",
      nodes: [...session.origins, ...session.pipelines],
      gap:
        session.origins.length || session.pipelines.length
          ? null
          : gapFrom(m, /runner|host|source ip|origin/i, "no runner or host on record"),
    },
    { label: "Approval", nodes: session.approvals, gap: session.approvals.length ? null : gapFrom(m, /approv/i, "no approval on record") },
  ];
}

/** Gaps the slots do not already show (e.g. "source IP 198.51.100.23 matches no runner" beside a filled slot). */
export function otherGaps(session: SessionStory): string[] {
  const shown = new Set(sessionSlots(session).map((s) => s.gap));
  return session.missing.filter((m) => !shown.has(m));
}

/** How a session came into the story: the subject's own, or followed up or down a FROM chain. */
export type Place = "subject" | "came-from" | "led-to";

export function placeOf(story: Story, session: SessionStory): Place {
  if (story.roots.includes(session.session.id)) return "subject";
  const told = new Map(story.sessions.map((s) => [s.session.id, s]));
  // a session is "came from" when a told session names it as a parent, walking up from the roots
  const up = new Set<string>();
  const pending = [...story.roots];
  while (pending.length) {
    for (const parent of told.get(pending.pop()!)?.parents ?? []) {
      if (!up.has(parent)) {
        up.add(parent);
        pending.push(parent);
      }
    }
  }
  return up.has(session.session.id) ? "came-from" : "led-to";
}

export const PLACE_LABEL: Record<Place, string> = {
  subject: "own session",
  "came-from": "up the chain: a session of the subject came from it",
  "led-to": "down the chain: it came from a session of the subject",
};

/** The story's gaps that belong to no session told (e.g. "<subject>: no session on record between …"). */
export function subjectGaps(story: Story): string[] {
  const told = story.sessions.map((s) => `${s.session.id}: `);
  return story.missing.filter((m) => !told.some((prefix) => m.startsWith(prefix)));
}

/** Steps grouped by UTC day, for the timeline's day headings. */
export function stepsByDay(steps: Step[]): { day: string; steps: Step[] }[] {
  const days = new Map<string, Step[]>();
  for (const step of steps) {
    const day = step.at ? step.at.slice(0, 10) : "undated";
    days.set(day, [...(days.get(day) ?? []), step]);
  }
  return [...days.entries()].map(([day, items]) => ({ day, steps: items }));
}
