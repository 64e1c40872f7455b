// The access story's timeline: the chain of each session with named gaps, its place in the FROM chains, day groups.
import { describe, expect, test } from "vitest";
import { otherGaps, placeOf, sessionSlots, stepsByDay, subjectGaps, type SessionStory, type Story } from "../src/story/timeline";

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
    children: [],
    pipelines: [],
    approvals: [],
    approvedBy: [],
    touched: [],
    changes: [],
    missing: ["no person linked", "no approval on record", "source IP 198.51.100.23 matches no runner"],
    ...extra,
  } as SessionStory;
}

function story(sessions: SessionStory[], roots: string[] = sessions.map((s) => s.session.id), missing: string[] = []): Story {
  return {
    roots,
    subject: { id: "aws:key:K", kind: "CREDENTIAL", name: "K" },
    windowStart: null,
    windowEnd: null,
    truncated: false,
    missing,
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

describe("the story as the API tells it", () => {
  test("each session's place: the subject's own, up the chain it came from, down the chain it led to", () => {
    const bastion = session("teleport", "2026-10-20T08:00:00Z", { children: ["ssh"] });
    const hop = session("ssh", "2026-10-20T08:01:00Z", { parents: ["teleport"], children: ["k8s"] });
    const exec = session("k8s", "2026-10-20T08:02:00Z", { parents: ["ssh"] });
    const told = story([bastion, hop, exec], ["ssh"]);
    expect(told.sessions.map((s) => placeOf(told, s))).toEqual(["came-from", "subject", "led-to"]);
  });

  test("gaps of the subject itself are those no told session carries", () => {
    const told = story([session("a", "2026-10-20T08:00:00Z")], ["a"], [
      "a: no person linked",
      "host:app1: no session on record between 2026-10-01T00:00:00Z and the last",
    ]);
    expect(subjectGaps(told)).toEqual(["host:app1: no session on record between 2026-10-01T00:00:00Z and the last"]);
    expect(subjectGaps(story([], [], ["person:x: no session on record"]))).toEqual(["person:x: no session on record"]);
  });

  test("stepsByDay groups by UTC day; an undated step is kept", () => {
    const told = story([session("a", "2026-10-20T08:00:00Z"), session("b", "2026-10-20T09:00:00Z")]);
    const steps = [...told.steps, { ...told.steps[0], at: null }];
    expect(stepsByDay(steps).map((d) => [d.day, d.steps.length])).toEqual([
      ["2026-10-20", 2],
      ["undated", 1],
    ]);
  });
});
