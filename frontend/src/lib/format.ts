// Small display helpers shared by the views.
import { NODE_KINDS, type NodeKindName } from "../generated/model";

export function kindLabel(kind: string): string {
  return NODE_KINDS[kind as NodeKindName]?.label ?? kind;
}

export function kindColour(kind: string): string {
  return NODE_KINDS[kind as NodeKindName]?.colour ?? "#334155";
}

export function when(at: string | null | undefined): string {
  if (!at) return "time unknown";
  return at.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC");
}

export function words(value: string): string {
  return value.toLowerCase().replace(/_/g, " ");
}

export function propText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => propText(v)).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The file name of an evidence source (paths are long; the tooltip keeps the whole path). */
export function shortSource(source: string): string {
  const parts = source.split("/");
  return parts.slice(-2).join("/");
}
