// The blast-radius graph the canvas draws, built from the API's packed subgraph (pure: no DOM,
// no WebGL, so the unit tests run it as it is). Granted access is a straight arrow whose width
// and colour say the privilege level; access only seen in activity logs ("touched, not
// granted") is a curved edge; a granted resource that was also touched gets a ring. Labels
// carry the level in words, so colour is never the only signal.
import Graph from "graphology";
import type { BlastQuery } from "../generated/graphql";
import { CATEGORIES, EDGE_KINDS, NODE_KINDS, PRIVILEGE_LEVELS, TOUCHED, type NodeKindName } from "../generated/model";
import type { SubgraphEdge, SubgraphNode } from "../lib/scalars";

export type Blast = BlastQuery["blastRadius"];
export type Level = (typeof PRIVILEGE_LEVELS)[number]["level"];

export interface NodeAttrs {
  label: string;
  name: string;
  x: number;
  y: number;
  size: number;
  color: string;
  borderColor: string;
  type: "circle" | "border";
  kind: NodeKindName;
  depth: number | null;
  level: Level | "";
  touched: boolean;
  touchCount: number;
  actions: string[];
  subject: boolean;
  added: boolean;
  /** set by the canvas reducers only */
  hidden?: boolean;
  highlighted?: boolean;
}

export interface EdgeAttrs {
  kind: string;
  category: string;
  level: Level | "";
  color: string;
  size: number;
  type: "arrow" | "curved";
  touchedOnly: boolean;
  hidden?: boolean;
}

export type BlastGraph = Graph<NodeAttrs, EdgeAttrs>;

export interface Filters {
  /** node kinds (GraphQL names) not drawn */
  hiddenKinds: ReadonlySet<string>;
  /** edge categories not drawn; "touched" hides the touched-only edges */
  hiddenCategories: ReadonlySet<string>;
}

const LEVEL_STYLE = new Map(PRIVILEGE_LEVELS.map((s) => [s.level as string, s]));

export function levelStyle(level: string) {
  return LEVEL_STYLE.get(level) ?? null;
}

function nodeColour(kind: string): string {
  return NODE_KINDS[kind as NodeKindName]?.colour ?? "#334155";
}

function edgeCategory(kind: string): string {
  return EDGE_KINDS[kind as keyof typeof EDGE_KINDS]?.category ?? "access";
}

export function nodeLabel(name: string, level: string, touched: boolean, touchCount = 0): string {
  const parts = [name];
  const style = levelStyle(level);
  if (style) parts.push(`${style.mark} ${style.label.toLowerCase()}`);
  if (touched) parts.push(touchCount > 0 ? `touched ×${touchCount}` : "touched");
  return parts.join(" · ");
}

function baseNode(node: { id: string; kind: string; name: string; depth: number | null }, subject: boolean): NodeAttrs {
  return {
    label: node.name,
    name: node.name,
    x: 0,
    y: 0,
    size: subject ? 14 : node.depth === 1 ? 9 : 6,
    color: nodeColour(node.kind),
    borderColor: TOUCHED.colour,
    type: "circle",
    kind: node.kind as NodeKindName,
    depth: node.depth,
    level: "",
    touched: false,
    touchCount: 0,
    actions: [],
    subject,
    added: false,
  };
}

export function edgeAttrs(kind: string, level: string): EdgeAttrs {
  const style = levelStyle(level);
  const category = edgeCategory(kind);
  return {
    kind,
    category,
    level: (style?.level ?? "") as Level | "",
    color: style?.colour ?? CATEGORIES[category as keyof typeof CATEGORIES]?.colour ?? "#94a3b8",
    size: style?.width ?? 1.2,
    type: "arrow",
    touchedOnly: false,
  };
}

export const edgeKey = (source: string, kind: string, target: string) => `${source}|${kind}|${target}`;

/** The graph of one blast-radius answer, laid out in rings by depth (a first frame needs no physics). */
export function buildBlastGraph(blast: Blast): BlastGraph {
  const graph: BlastGraph = new Graph({ multi: false, type: "directed", allowSelfLoops: false });
  const subjectId = blast.subject.id;
  for (const node of blast.nodes as SubgraphNode[]) {
    graph.addNode(node.id, baseNode(node, node.id === subjectId));
  }
  if (!graph.hasNode(subjectId)) graph.addNode(subjectId, baseNode({ ...blast.subject, depth: 0 }, true));
  for (const edge of blast.edges as SubgraphEdge[]) {
    const key = edgeKey(edge.source, edge.kind, edge.target);
    if (!graph.hasNode(edge.source) || !graph.hasNode(edge.target) || graph.hasEdge(key)) continue;
    graph.addDirectedEdgeWithKey(key, edge.source, edge.target, edgeAttrs(edge.kind, edge.level));
  }
  for (const row of blast.resources) {
    const id = row.resource.id;
    if (!graph.hasNode(id)) graph.addNode(id, baseNode({ ...row.resource, depth: row.depth }, false));
    const level = (levelStyle(row.level)?.level ?? "") as Level | "";
    graph.mergeNodeAttributes(id, {
      level,
      touched: row.touched,
      touchCount: row.touchCount,
      actions: row.actions,
      type: row.touched ? "border" : "circle",
      size: level === "admin" ? 9 : graph.getNodeAttribute(id, "size"),
      label: nodeLabel(row.resource.name, level, row.touched, row.touchCount),
    });
    if (!level && row.touched) {
      // touched but never granted within reach: drawn from the subject, curved, in the touched colour
      const key = edgeKey(subjectId, "TOUCHED", id);
      if (!graph.hasEdge(key))
        graph.addDirectedEdgeWithKey(key, subjectId, id, {
          ...edgeAttrs("TOUCHED", ""),
          color: TOUCHED.colour,
          size: 1.5,
          type: "curved",
          touchedOnly: true,
        });
    }
  }
  if (graph.order > CROWDED) fadeEdges(graph);
  layoutByDepth(graph);
  return graph;
}

/** Above this many nodes the edges are drawn translucent and thinner, so the rings stay readable. */
export const CROWDED = 1500;

function fadeEdges(graph: BlastGraph): void {
  graph.forEachEdge((edge, a) => {
    if (a.touchedOnly) return; // the few touched-only edges keep full strength: they are the story
    graph.mergeEdgeAttributes(edge, { color: `${a.color}59`, size: Math.max(0.5, a.size * 0.6) });
  });
}

/** Rings by depth around the subject; within a ring, nodes sorted by kind then id (stable layout). */
export function layoutByDepth(graph: BlastGraph): void {
  const rings = new Map<number, string[]>();
  let deepest = 0;
  graph.forEachNode((_id, a) => {
    if (a.depth !== null) deepest = Math.max(deepest, a.depth);
  });
  graph.forEachNode((id, a) => {
    const depth = a.depth ?? deepest + 1;
    const ring = rings.get(depth) ?? [];
    ring.push(id);
    rings.set(depth, ring);
  });
  let radius = 0;
  for (const depth of [...rings.keys()].sort((a, b) => a - b)) {
    const ids = rings.get(depth)!;
    ids.sort((a, b) => {
      const ka = graph.getNodeAttribute(a, "kind");
      const kb = graph.getNodeAttribute(b, "kind");
      return ka === kb ? (a < b ? -1 : a > b ? 1 : 0) : ka < kb ? -1 : 1;
    });
    if (depth === 0 && ids.length === 1) {
      graph.mergeNodeAttributes(ids[0], { x: 0, y: 0 });
      continue;
    }
    // each ring far enough out that its nodes keep ~12 units apart, and beyond the previous ring
    radius = Math.max(radius + 120, (ids.length * 12) / (2 * Math.PI));
    ids.forEach((id, i) => {
      const angle = (2 * Math.PI * i) / ids.length + depth * 0.35;
      graph.mergeNodeAttributes(id, { x: radius * Math.cos(angle), y: radius * Math.sin(angle) });
    });
  }
}

export function nodeVisible(attrs: NodeAttrs, filters: Filters): boolean {
  return attrs.subject || !filters.hiddenKinds.has(attrs.kind);
}

export function edgeVisible(attrs: EdgeAttrs, source: NodeAttrs, target: NodeAttrs, filters: Filters): boolean {
  if (attrs.touchedOnly && filters.hiddenCategories.has("touched")) return false;
  if (!attrs.touchedOnly && filters.hiddenCategories.has(attrs.category)) return false;
  return nodeVisible(source, filters) && nodeVisible(target, filters);
}

export interface NeighbourRow {
  direction: string;
  node: { id: string; kind: string; name: string };
  edge: { source: string; kind: string; target: string; props: unknown };
}

/** Add a node's neighbours around it (expand in place); returns how many nodes were new. */
export function expandInto(graph: BlastGraph, parent: string, rows: NeighbourRow[]): number {
  const origin = graph.getNodeAttributes(parent);
  const fresh = rows.filter((r) => !graph.hasNode(r.node.id));
  fresh.forEach((row, i) => {
    const angle = (2 * Math.PI * i) / Math.max(fresh.length, 1);
    const reach = 40 + fresh.length * 2;
    graph.addNode(row.node.id, {
      ...baseNode({ ...row.node, depth: origin.depth === null ? null : origin.depth + 1 }, false),
      x: origin.x + reach * Math.cos(angle),
      y: origin.y + reach * Math.sin(angle),
      added: true,
    });
  });
  for (const row of rows) {
    const { source, kind, target } = row.edge;
    const key = edgeKey(source, kind, target);
    if (graph.hasEdge(key) || !graph.hasNode(source) || !graph.hasNode(target) || source === target) continue;
    const level = typeof row.edge.props === "object" && row.edge.props ? String((row.edge.props as Record<string, unknown>).level ?? "") : "";
    graph.addDirectedEdgeWithKey(key, source, target, edgeAttrs(kind, level));
  }
  return fresh.length;
}

export interface PathHop {
  source: string;
  kind: string;
  target: string;
}

/** Put the hops of the chains to accountable people into the graph, new nodes in a column left
 * of the drawing (people and teams are outside a blast radius); returns the nodes and edges on them. */
export function addPaths(
  graph: BlastGraph,
  hops: PathHop[],
  names: Map<string, { kind: string; name: string }>,
): { nodes: Set<string>; edges: Set<string> } {
  const nodes = new Set<string>();
  const edges = new Set<string>();
  let left = 0;
  graph.forEachNode((_id, a) => (left = Math.min(left, a.x)));
  const fresh = [...new Set(hops.flatMap((h) => [h.source, h.target]))].filter((id) => !graph.hasNode(id));
  fresh.forEach((id, i) => {
    const known = names.get(id) ?? { kind: id.startsWith("person:") ? "PERSON" : "TEAM", name: id };
    graph.addNode(id, {
      ...baseNode({ id, ...known, depth: null }, false),
      x: left - 160 - (i % 2) * 60,
      y: (i - (fresh.length - 1) / 2) * 24,
      added: true,
    });
  });
  for (const hop of hops) {
    nodes.add(hop.source);
    nodes.add(hop.target);
    const key = edgeKey(hop.source, hop.kind, hop.target);
    if (!graph.hasEdge(key)) graph.addDirectedEdgeWithKey(key, hop.source, hop.target, edgeAttrs(hop.kind, ""));
    edges.add(key);
  }
  return { nodes, edges };
}

/** Node kinds and edge categories present, for the filter controls and the legend. */
export function present(graph: BlastGraph): { kinds: string[]; categories: string[]; touchedOnly: boolean } {
  const kinds = new Set<string>();
  const categories = new Set<string>();
  let touchedOnly = false;
  graph.forEachNode((_id, a) => kinds.add(a.kind));
  graph.forEachEdge((_e, a) => (a.touchedOnly ? (touchedOnly = true) : categories.add(a.category)));
  const order = Object.keys(NODE_KINDS);
  const catOrder = Object.keys(CATEGORIES);
  return {
    kinds: [...kinds].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
    categories: [...categories].sort((a, b) => catOrder.indexOf(a) - catOrder.indexOf(b)),
    touchedOnly,
  };
}
