// The WebGL canvas (sigma.js) over a graphology graph. Filters, the selection and the highlighted
// path are applied by sigma's reducers, so changing them redraws without rebuilding the graph;
// sigma also skips labels that would overlap, which keeps panning smooth at thousands of nodes.
import { useEffect, useRef, useState } from "react";
import Sigma from "sigma";
import { EdgeArrowProgram, type EdgeProgramType } from "sigma/rendering";
import { EdgeCurvedArrowProgram } from "@sigma/edge-curve";
import { createNodeBorderProgram } from "@sigma/node-border";
import { downloadAsPNG } from "@sigma/export-image";
import { CROWDED, edgeVisible, nodeVisible, type BlastGraph, type EdgeAttrs, type Filters, type NodeAttrs } from "./build";

export interface CanvasApi {
  fit(): void;
  zoomIn(): void;
  zoomOut(): void;
  exportPng(fileName: string): Promise<void>;
  refresh(): void;
}

interface Props {
  graph: BlastGraph;
  filters: Filters;
  selected: string | null;
  highlight: { nodes: Set<string>; edges: Set<string> } | null;
  onSelect(id: string | null): void;
  onReady(api: CanvasApi | null): void;
  /** performance mark name set when the first frame is drawn */
  firstFrameMark?: string;
}

const LARGE_GRAPH = CROWDED;

const NodeBorderProgram = createNodeBorderProgram<NodeAttrs, EdgeAttrs>({
  borders: [
    { size: { value: 0.3 }, color: { attribute: "borderColor" } },
    { size: { fill: true }, color: { attribute: "color" } },
  ],
});

export function GraphCanvas({ graph, filters, selected, highlight, onSelect, onReady, firstFrameMark }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const renderer = useRef<Sigma<NodeAttrs, EdgeAttrs> | null>(null);
  const state = useRef({ filters, selected, highlight });
  const [failure, setFailure] = useState<string | null>(null);
  state.current = { filters, selected, highlight };

  useEffect(() => {
    if (!container.current) return;
    let sigma: Sigma<NodeAttrs, EdgeAttrs>;
    try {
      sigma = new Sigma<NodeAttrs, EdgeAttrs>(graph, container.current, {
        defaultEdgeType: "arrow",
        // the edge programs are typed for any attributes; they read only the standard ones
        edgeProgramClasses: {
          arrow: EdgeArrowProgram as unknown as EdgeProgramType<NodeAttrs, EdgeAttrs>,
          curved: EdgeCurvedArrowProgram as unknown as EdgeProgramType<NodeAttrs, EdgeAttrs>,
        },
        nodeProgramClasses: { border: NodeBorderProgram },
        renderEdgeLabels: false,
        labelRenderedSizeThreshold: 7,
        labelDensity: 0.6,
        labelFont: "system-ui, sans-serif",
        zIndex: true,
        allowInvalidContainer: true,
        // a large graph drops its edges and labels while the camera moves and draws them when it
        // stops: in software WebGL (SwiftShader) the edges alone halve the frame rate at 5,000 nodes
        hideEdgesOnMove: graph.order > LARGE_GRAPH,
        hideLabelsOnMove: graph.order > LARGE_GRAPH,
        nodeReducer: (id, attrs) => {
          const { filters: f, selected: s, highlight: h } = state.current;
          const out: Partial<NodeAttrs> & { zIndex?: number; forceLabel?: boolean } = { ...attrs };
          if (!nodeVisible(attrs, f)) out.hidden = true;
          if (h && !h.nodes.has(id)) out.color = "#d7dce3";
          if (h?.nodes.has(id)) Object.assign(out, { forceLabel: true, zIndex: 2, highlighted: true });
          if (id === s) Object.assign(out, { forceLabel: true, zIndex: 3, highlighted: true });
          if (attrs.subject) out.forceLabel = true;
          return out;
        },
        edgeReducer: (id, attrs) => {
          const { filters: f, highlight: h } = state.current;
          const out: Partial<EdgeAttrs> & { zIndex?: number } = { ...attrs };
          const [source, target] = graph.extremities(id);
          if (!edgeVisible(attrs, graph.getNodeAttributes(source), graph.getNodeAttributes(target), f)) out.hidden = true;
          if (h && !h.edges.has(id)) out.color = "#e5e7eb";
          if (h?.edges.has(id)) Object.assign(out, { color: "#111827", size: 3, zIndex: 2 });
          return out;
        },
      });
    } catch (error) {
      setFailure(`This browser could not start WebGL drawing (${String(error)}). The table below lists the same nodes.`);
      onReady(null);
      return;
    }
    renderer.current = sigma;
    (window as unknown as { __keytrailSigma?: unknown }).__keytrailSigma = sigma; // test and bench hook
    if (firstFrameMark) {
      sigma.once("afterRender", () => requestAnimationFrame(() => performance.mark(firstFrameMark)));
    }
    sigma.on("clickNode", ({ node }) => onSelect(node));
    sigma.on("clickStage", () => onSelect(null));
    const camera = sigma.getCamera();
    onReady({
      fit: () => void camera.animatedReset({ duration: 300 }),
      zoomIn: () => void camera.animatedZoom({ duration: 200 }),
      zoomOut: () => void camera.animatedUnzoom({ duration: 200 }),
      exportPng: (fileName) => downloadAsPNG(sigma as unknown as Sigma, { fileName, backgroundColor: "#ffffff" }),
      refresh: () => sigma.refresh(),
    });
    return () => {
      onReady(null);
      sigma.kill();
      renderer.current = null;
    };
    // the renderer lives as long as the graph object; everything else goes through the reducers
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [graph]);

  useEffect(() => {
    renderer.current?.refresh({ skipIndexation: true });
  }, [filters, selected, highlight]);

  return (
    <>
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      <div
        ref={container}
        className="graph-canvas"
        role="img"
        aria-label="Blast-radius graph; the table below lists the same nodes for keyboard and screen readers"
      />
    </>
  );
}
