// The blast-radius graph from the API's packed subgraph: nodes, levels, touched edges, rings, filters, expand, paths.
import { describe, expect, test } from "vitest";
import { addPaths, buildBlastGraph, edgeVisible, expandInto, nodeLabel, nodeVisible, present, type Blast } from "../src/graph/build";
import { PRIVILEGE_LEVELS, TOUCHED } from "../src/generated/model";

const KEY = "aws:key:AKIA1";
const USER = "aws:arn:user/deploy";
function blast(): Blast {
  return {
    subject: { id: KEY, kind: "CREDENTIAL", name: "AKIA1" },
    maxDepth: 4,
    truncated: false,
    nodes: [
      { id: KEY, kind: "CREDENTIAL", name: "AKIA1", depth: 0 },
      { id: USER, kind: "IDENTITY", name: "deploy", depth: 1 },
      { id: "res:ecr", kind: "RESOURCE", name: "ecr:*", depth: 2 },
      { id: "res:iam", kind: "RESOURCE", name: "iam:*", depth: 2 },
    ],
    edges: [
      { source: USER, kind: "HAS_CREDENTIAL", target: KEY, level: "" },
      { source: USER, kind: "CAN_ACCESS", target: "res:ecr", level: "write" },
      { source: USER, kind: "CAN_ACCESS", target: "res:iam", level: "admin" },
    ],
    resources: [
      { resource: { id: "res:iam", kind: "RESOURCE", name: "iam:*" }, depth: 2, level: "admin", touched: true, actions: ["iam:CreateUser"], touchCount: 3, sessions: 1, grantedBy: [USER], grantedVia: [], ungrantedActions: [], noPermissionActions: [], usedThrough: ["res:iam:user/x"] },
      { resource: { id: "res:ecr", kind: "RESOURCE", name: "ecr:*" }, depth: 2, level: "write", touched: false, actions: [], touchCount: 0, sessions: 0, grantedBy: [USER], grantedVia: [], ungrantedActions: [], noPermissionActions: [], usedThrough: [] },
      { resource: { id: "res:sts", kind: "RESOURCE", name: "sts" }, depth: null, level: "none", touched: true, actions: ["sts:GetCallerIdentity"], touchCount: 1, sessions: 1, grantedBy: [], grantedVia: [], ungrantedActions: [], noPermissionActions: ["sts:GetCallerIdentity"], usedThrough: [] },
    ],
    summary: { granted: 2, touched: 2, grantedUntouched: 1, touchedUngranted: 1, resourcesByLevel: [], nodesByKind: [{ key: "RESOURCE", count: 2 }, { key: "CREDENTIAL", count: 1 }, { key: "IDENTITY", count: 1 }] },
  } as Blast;
}

describe("buildBlastGraph", () => {
  test("every node and edge of the subgraph, with privilege levels drawn by width and named in the label", () => {
    const graph = buildBlastGraph(blast());
    expect(graph.order).toBe(5); // the four nodes and the touched-only resource
    const admin = graph.getNodeAttributes("res:iam");
    expect(admin.level).toBe("admin");
    expect(admin.label).toBe("iam:* · A admin · touched ×3");
    expect(admin.type).toBe("border"); // granted and touched: ringed
    const adminEdge = graph.getEdgeAttributes(graph.edge(USER, "res:iam")!);
    const writeEdge = graph.getEdgeAttributes(graph.edge(USER, "res:ecr")!);
    expect(adminEdge.size).toBe(PRIVILEGE_LEVELS.find((l) => l.level === "admin")!.width);
    expect(adminEdge.size).toBeGreaterThan(writeEdge.size);
    expect(adminEdge.type).toBe("arrow");
  });

  test("touched but never granted: a curved edge from the subject, in the touched colour", () => {
    const graph = buildBlastGraph(blast());
    const edge = graph.getEdgeAttributes(graph.edge(KEY, "res:sts")!);
    expect(edge).toMatchObject({ type: "curved", touchedOnly: true, color: TOUCHED.colour });
    expect(graph.getNodeAttribute("res:sts", "label")).toBe("sts · touched ×1");
  });

  test("rings by depth: the subject in the middle, deeper nodes further out", () => {
    const graph = buildBlastGraph(blast());
    const radius = (id: string) => Math.hypot(graph.getNodeAttribute(id, "x"), graph.getNodeAttribute(id, "y"));
    expect(radius(KEY)).toBe(0);
    expect(radius("res:ecr")).toBeGreaterThan(radius(USER));
    expect(radius("res:sts")).toBeGreaterThan(radius("res:ecr")); // undated depth: the outer ring
  });

  test("a ring of 5,000 nodes keeps them apart", () => {
    const data = blast();
    data.nodes = [data.nodes[0], ...Array.from({ length: 5000 }, (_, i) => ({ id: `r${i}`, kind: "RESOURCE" as const, name: `r${i}`, depth: 1 }))];
    data.edges = [];
    data.resources = [];
    const graph = buildBlastGraph(data);
    const a = graph.getNodeAttributes("r0");
    const b = graph.getNodeAttributes("r1");
    expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThan(10);
  });
});

describe("filters", () => {
  test("a hidden kind hides its nodes and their edges; the subject always shows", () => {
    const graph = buildBlastGraph(blast());
    const filters = { hiddenKinds: new Set(["RESOURCE", "CREDENTIAL"]), hiddenCategories: new Set<string>() };
    expect(nodeVisible(graph.getNodeAttributes("res:ecr"), filters)).toBe(false);
    expect(nodeVisible(graph.getNodeAttributes(KEY), filters)).toBe(true);
    const edge = graph.edge(USER, "res:ecr")!;
    expect(edgeVisible(graph.getEdgeAttributes(edge), graph.getNodeAttributes(USER), graph.getNodeAttributes("res:ecr"), filters)).toBe(false);
  });

  test("a hidden category hides its edges; 'touched' hides the touched-only ones", () => {
    const graph = buildBlastGraph(blast());
    const access = { hiddenKinds: new Set<string>(), hiddenCategories: new Set(["access"]) };
    const touched = { hiddenKinds: new Set<string>(), hiddenCategories: new Set(["touched"]) };
    const grant = graph.edge(USER, "res:ecr")!;
    const touch = graph.edge(KEY, "res:sts")!;
    const ends = (e: string) => graph.extremities(e).map((n) => graph.getNodeAttributes(n)) as [never, never];
    expect(edgeVisible(graph.getEdgeAttributes(grant), ...ends(grant), access)).toBe(false);
    expect(edgeVisible(graph.getEdgeAttributes(touch), ...ends(touch), access)).toBe(true);
    expect(edgeVisible(graph.getEdgeAttributes(touch), ...ends(touch), touched)).toBe(false);
  });

  test("present lists kinds and categories in the model's order", () => {
    const found = present(buildBlastGraph(blast()));
    expect(found.kinds).toEqual(["IDENTITY", "CREDENTIAL", "RESOURCE"]);
    expect(found.categories).toEqual(["credential", "access"]);
    expect(found.touchedOnly).toBe(true);
  });
});

test("expandInto adds new neighbours around the node, and their edges once", () => {
  const graph = buildBlastGraph(blast());
  const rows = [
    { direction: "in", node: { id: "person:dana", kind: "PERSON", name: "Dana" }, edge: { source: "person:dana", kind: "OWNS", target: USER, props: {} } },
    { direction: "out", node: { id: "res:ecr", kind: "RESOURCE", name: "ecr:*" }, edge: { source: USER, kind: "CAN_ACCESS", target: "res:ecr", props: { level: "write" } } },
  ];
  expect(expandInto(graph, USER, rows)).toBe(1);
  expect(graph.getNodeAttributes("person:dana")).toMatchObject({ kind: "PERSON", added: true, depth: 2 });
  expect(graph.hasEdge(graph.edge("person:dana", USER))).toBe(true);
  expect(expandInto(graph, USER, rows)).toBe(0);
  expect(graph.size).toBe(5);
});

test("addPaths brings the people of the chains in and returns the path to highlight", () => {
  const graph = buildBlastGraph(blast());
  const hops = [
    { source: "person:dana", kind: "OWNS", target: KEY },
    { source: "person:alex", kind: "MANAGES", target: "person:dana" },
  ];
  const names = new Map([["person:dana", { kind: "PERSON", name: "Dana" }]]);
  const path = addPaths(graph, hops, names);
  expect([...path.nodes].sort()).toEqual([KEY, "person:alex", "person:dana"].sort());
  expect(path.edges.size).toBe(2);
  expect(graph.getNodeAttribute("person:dana", "name")).toBe("Dana");
  expect(graph.getNodeAttribute("person:alex", "kind")).toBe("PERSON");
});

test("nodeLabel says the level in words, not only in colour", () => {
  expect(nodeLabel("bucket", "read", false)).toBe("bucket · R read");
  expect(nodeLabel("bucket", "none", true)).toBe("bucket · touched");
});

test("a crowded graph fades its granted edges but not the touched-only ones", () => {
  const data = blast();
  data.nodes = [...data.nodes, ...Array.from({ length: 2000 }, (_, i) => ({ id: `r${i}`, kind: "RESOURCE" as const, name: `r${i}`, depth: 2 }))];
  data.edges = [...data.edges, ...Array.from({ length: 2000 }, (_, i) => ({ source: USER, kind: "CAN_ACCESS" as const, target: `r${i}`, level: "read" as const }))];
  const graph = buildBlastGraph(data);
  expect(graph.getEdgeAttribute(graph.edge(USER, "r0")!, "color")).toMatch(/^#[0-9a-f]{6}59$/);
  expect(graph.getEdgeAttribute(graph.edge(KEY, "res:sts")!, "color")).toBe(TOUCHED.colour);
});
