// The access story's timeline: the chain of each session with named gaps, merging, day groups.
import { describe, expect, test } from "vitest";
import { inWindow, mergeStories, otherGaps, sessionSlots, stepsByDay, type SessionStory, type Story } from "../src/story/timeline";

function session(id: string, startedAt: string, extra: Partial<SessionStory> = {}): SessionStory {
  return {
    session: { id, name: id },
    startedAt,
    endedAt: null,
    person: null,
    personVia: "",
    identities: [{ id: "aws:user/ci", name: "ci", kind: "IDENTITY" }],
    credentials: [{ id: "aws:key:K", name: "K", kind: "CREDENTIAL" }],
    origins: [],
    sourceIps: ["198.51.100.23"],
    parents: [],
    pipelines: [],
    approvals: [],
    approvedBy: [],
    touched: [],
    changes: [],
    missing: ["no person linked", "no approval on record", "source IP 198.51.100.23 matches no runner"],
    ...extra,
  } as SessionStory;
}

function story(sessions: SessionStory[]): Story {
  return {
    subject: { id: "aws:key:K", kind: "CREDENTIAL", name: "K" },
    windowStart: null,
    windowEnd: null,
    truncated: false,
    missing: [],
    sessions,
    steps: sessions.map((s) => ({ at: s.startedAt, session: s.session.id, step: "session_started", summary: "started", refs: [], evidence: [] })),
  } as Story;
}

describe("sessionSlots", () => {
  test("each missing link is a named gap, in the API's words", () => {
    const slots = sessionSlots(session("s1", "2026-10-29T21:13:20Z"));
    expect(slots.map((s) => s.label)).toEqual(["Person", "Identity", "Credential", "Runner or host", "Approval"]);
    expect(slots.find((s) => s.label === "Person")!.gap).toBe("no person linked");
    expect(slots.find((s) => s.label === "Approval")!.gap).toBe("no approval on record");
    expect(slots.find((s) => s.label === "Runner or host")!.gap).toBe("source IP 198.51.100.23 matches no runner");
    expect(slots.find((s) => s.label === "Identity")!.gap).toBeNull();
  });

  test("a link on record is no gap, and a gap the slots do not show is listed apart", () => {
    const s = session("s1", "2026-10-29T00:00:00Z", {
      origins: [{ id: "runner:1", name: "gh-runner-1", kind: "RUNNER" }],
      missing: ["no approval on record", "source IP 198.51.100.23 matches no runner"],
    });
    expect(sessionSlots(s).find((x) => x.label === "Runner or host")!.gap).toBeNull();
    expect(otherGaps(s)).toEqual(["source IP 198.51.100.23 matches no runner"]);
  });

  test("a gap the API does not word still shows, with a default sentence", () => {
    const s = session("s1", "2026-10-29T00:00:00Z", { missing: [] });
    expect(sessionSlots(s).find((x) => x.label === "Approval")!.gap).toBe("no approval on record");
  });
});

describe("mergeStories", () => {
  test("sessions once each in time order, steps of kept sessions only, within the window", () => {
    const a = session("a", "2026-10-20T08:00:00Z");
    const b = session("b", "2026-10-19T08:00:00Z");
    const c = session("c", "2026-10-25T08:00:00Z");
    const merged = mergeStories([story([a, b]), story([b, c])], null, "2026-10-21T00:00:00Z");
    expect(merged.sessions.map((s) => s.session.id)).toEqual(["b", "a"]);
    expect(merged.steps.map((s) => s.session)).toEqual(["b", "a"]);
  });

  test("stepsByDay groups by UTC day; an undated step is kept", () => {
    const merged = mergeStories([story([session("a", "2026-10-20T08:00:00Z"), session("b", "2026-10-20T09:00:00Z")])]);
    merged.steps.push({ ...merged.steps[0], at: null });
    expect(stepsByDay(merged.steps).map((d) => [d.day, d.steps.length])).toEqual([
      ["2026-10-20", 2],
      ["undated", 1],
    ]);
  });

  test("inWindow keeps undated sessions", () => {
    expect(inWindow(null, "2026-01-01", null)).toBe(true);
    expect(inWindow("2025-12-31T00:00:00Z", "2026-01-01", null)).toBe(false);
  });
});
