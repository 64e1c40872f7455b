// The API's packed scalars (api/schema.graphql describes each), as the page reads them.
import type { EdgeKindName, NodeKindName } from "../generated/model";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Where an observation came from: a file and a line, record or event id within it. */
export interface EvidenceItem {
  source: string;
  locator: string;
  at: string | null;
}
export type EvidenceList = EvidenceItem[];

export interface SubgraphNode {
  id: string;
  kind: NodeKindName;
  name: string;
  depth: number;
}
export type SubgraphNodes = SubgraphNode[];

export interface SubgraphEdge {
  source: string;
  kind: EdgeKindName;
  target: string;
  level: "read" | "write" | "admin" | "";
}
export type SubgraphEdges = SubgraphEdge[];
