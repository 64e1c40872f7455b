// The access story as the page draws it (pure): per session the chain person → identity →
// credential → runner/host → approval, with each missing link a named gap instead of a blank;
// several stories (an identity's credentials, a person's sessions) merged into one timeline.
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

export function inWindow(at: string | null | undefined, start: string | null, end: string | null): boolean {
  if (!at) return true; // an undated session is shown, not silently dropped
  return (!start || at >= start) && (!end || at <= end);
}

export interface Merged {
  sessions: SessionStory[];
  steps: Step[];
  truncated: boolean;
}

/** One timeline from several stories: sessions once each, in time order, steps in time order. */
export function mergeStories(stories: Story[], start: string | null = null, end: string | null = null): Merged {
  const sessions = new Map<string, SessionStory>();
  const steps: Step[] = [];
  const seenSteps = new Set<string>();
  for (const story of stories) {
    for (const s of story.sessions) if (inWindow(s.startedAt, start, end)) sessions.set(s.session.id, s);
    for (const step of story.steps) {
      const key = `${step.session}|${step.at}|${step.step}|${step.summary}`;
      if (!seenSteps.has(key) && sessions.has(step.session)) {
        seenSteps.add(key);
        steps.push(step);
      }
    }
  }
  const byTime = (a: string | null | undefined, b: string | null | undefined) => (a ?? "").localeCompare(b ?? "");
  return {
    sessions: [...sessions.values()].sort((a, b) => byTime(a.startedAt, b.startedAt)),
    steps: steps.sort((a, b) => byTime(a.at, b.at)),
    truncated: stories.some((s) => s.truncated),
  };
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
