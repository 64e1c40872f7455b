// The web page's drawing figures: request to first drawn frame for an N-node blast radius, and
// frames per second while panning it, in headless Chromium (Debian's, SwiftShader WebGL).
//   node bench/page.mjs [--nodes 5000] [--pan-seconds 3] [--runs 3]
// Needs the page built (make page) and frontend/node_modules (npm ci in frontend/).
import { parseArgs } from "node:util";
import { launch, measureBlast, openPage, startWide } from "../frontend/e2e/harness.mjs";

const { values } = parseArgs({
  options: { nodes: { type: "string", default: "5000" }, "pan-seconds": { type: "string", default: "3" }, runs: { type: "string", default: "3" } },
});
const nodes = Number(values.nodes);
const [wide, browser] = await Promise.all([startWide(nodes), launch()]);
try {
  const rows = [];
  for (let run = 0; run < Number(values.runs); run++) {
    const { page, context } = await openPage(browser, wide.base);
    await context.addInitScript((token) => sessionStorage.setItem("keytrail.token", token), wide.token);
    const r = await measureBlast(page, wide.base, wide.subject, { panSeconds: Number(values["pan-seconds"]) });
    const gpu = await page.evaluate(() => {
      const gl = document.createElement("canvas").getContext("webgl2");
      const info = gl?.getExtension("WEBGL_debug_renderer_info");
      return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : "unknown";
    });
    rows.push(r);
    console.log(
      `run ${run + 1}: ${r.nodes} nodes, ${r.edges} edges; request to first frame ${r.firstFrameMs.toFixed(0)} ms (API answer ${r.answerMs.toFixed(0)} ms, then build and draw); ` +
        `panning ${r.fps.toFixed(1)} fps (p95 frame ${r.p95FrameMs.toFixed(0)} ms); renderer ${gpu}`,
    );
    await context.close();
  }
  const best = (key, pick) => pick(...rows.map((r) => r[key]));
  console.log(
    `blast radius of ${rows[0].nodes} nodes: first frame best ${best("firstFrameMs", Math.min).toFixed(0)} ms, ` +
      `worst ${best("firstFrameMs", Math.max).toFixed(0)} ms; panning best ${best("fps", Math.max).toFixed(1)} fps, ` +
      `worst ${best("fps", Math.min).toFixed(1)} fps`,
  );
} finally {
  await browser.close();
  await wide.stop();
}
