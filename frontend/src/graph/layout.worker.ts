// ForceAtlas2 off the main thread: the page posts positions and edges, the worker answers with
// positions every few iterations so the graph visibly settles while panning stays smooth.
import Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";

interface Job {
  positions: Float32Array;
  edges: Uint32Array;
  iterations: number;
}

self.onmessage = (event: MessageEvent<Job>) => {
  const { positions, edges, iterations } = event.data;
  const graph = new Graph({ multi: true, allowSelfLoops: false });
  const count = positions.length / 2;
  for (let i = 0; i < count; i++) graph.addNode(i, { x: positions[2 * i], y: positions[2 * i + 1] });
  for (let i = 0; i < edges.length; i += 2) graph.addEdge(edges[i], edges[i + 1]);
  const settings = { ...forceAtlas2.inferSettings(graph), barnesHutOptimize: count > 500, slowDown: 5 };
  const chunk = 20;
  for (let done = 0; done < iterations; done += chunk) {
    forceAtlas2.assign(graph, { iterations: chunk, settings });
    const out = new Float32Array(count * 2);
    graph.forEachNode((node, a) => {
      out[2 * Number(node)] = a.x as number;
      out[2 * Number(node) + 1] = a.y as number;
    });
    (self as unknown as Worker).postMessage({ positions: out, done: done + chunk >= iterations }, [out.buffer]);
  }
};
