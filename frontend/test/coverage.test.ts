// The blast view's coverage lines: what the API says about how each reached resource's use is granted.
import { describe, expect, test } from "vitest";
import type { Blast } from "../src/graph/build";
import { coverageLines, kindCounts, uncovered, type Reached } from "../src/graph/coverage";

function reached(id: string, extra: Partial<Reached> = {}): Reached {
  return {
    resource: { id, kind: "RESOURCE", name: id },
    depth: 2,
    level: "write",
    touched: true,
    actions: [],
    touchCount: 1,
    sessions: 1,
    grantedBy: [],
    grantedVia: [],
    ungrantedActions: [],
    noPermissionActions: [],
    usedThrough: [],
    ...extra,
  } as Reached;
}

describe("coverageLines", () => {
  test("names each coverage field the API returns, in the API's values, and skips empty ones", () => {
    const r = reached("aws:res:1:ecs:cluster/a", {
      grantedVia: ["aws:res:1:ecs:*"],
      ungrantedActions: ["ecs:ExecuteCommand"],
      noPermissionActions: ["sts:GetCallerIdentity"],
    });
    expect(coverageLines(r)).toEqual([
      { term: "Granted through", values: ["aws:res:1:ecs:*"] },
      { term: "Calls no grant gives", values: ["ecs:ExecuteCommand"] },
      { term: "Calls needing no permission", values: ["sts:GetCallerIdentity"] },
    ]);
    expect(coverageLines(reached("x", { usedThrough: ["a", "b"] }))).toEqual([{ term: "Grant used on", values: ["a", "b"] }]);
    expect(coverageLines(reached("y"))).toEqual([]);
  });

  test("the summary counts uncovered calls and the reach by kind", () => {
    const blast = {
      resources: [reached("a", { ungrantedActions: ["s3:GetObject", "s3:PutObject"] }), reached("b", { ungrantedActions: ["x:Y"] }), reached("c")],
      summary: { nodesByKind: [{ key: "IDENTITY", count: 2 }, { key: "RESOURCE", count: 40 }, { key: "CREDENTIAL", count: 2 }] },
    } as unknown as Blast;
    expect(uncovered(blast)).toEqual({ resources: 2, calls: 3 });
    expect(kindCounts(blast, (k) => k[0] + k.slice(1).toLowerCase())).toBe("Resource 40, Credential 2, Identity 2");
  });
});
