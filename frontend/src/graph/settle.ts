// Runs ForceAtlas2 in the layout worker and writes the positions back into the graph as they come.
import type { BlastGraph } from "./build";

export function settle(graph: BlastGraph, iterations: number, onStep: (done: boolean) => void): () => void {
  const ids = graph.nodes();
  const index = new Map(ids.map((id, i) => [id, i]));
  const positions = new Float32Array(ids.length * 2);
  ids.forEach((id, i) => {
    positions[2 * i] = graph.getNodeAttribute(id, "x");
    positions[2 * i + 1] = graph.getNodeAttribute(id, "y");
  });
  const edges = new Uint32Array(graph.size * 2);
  let k = 0;
  graph.forEachEdge((_e, _a, source, target) => {
    edges[k++] = index.get(source)!;
    edges[k++] = index.get(target)!;
  });
  const worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
  worker.onmessage = (event: MessageEvent<{ positions: Float32Array; done: boolean }>) => {
    const next = event.data.positions;
    ids.forEach((id, i) => {
      if (graph.hasNode(id)) graph.mergeNodeAttributes(id, { x: next[2 * i], y: next[2 * i + 1] });
    });
    onStep(event.data.done);
    if (event.data.done) worker.terminate();
  };
  worker.postMessage({ positions, edges, iterations }, [positions.buffer, edges.buffer]);
  return () => worker.terminate();
}
