// The page's routes: parsed from the address, and the same list api/page.py answers with index.html.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { ROUTE_PREFIXES, ROUTES, nodeUrl, parseRoute } from "../src/lib/routes";

test("a node id with slashes and colons survives the address", () => {
  const id = "aws:arn:arn:aws:iam::742519515836:user/svc-payments-deploy";
  expect(parseRoute(new URL(nodeUrl(id), "http://x").pathname)).toEqual({ name: "node", id });
  expect(parseRoute("/story")).toEqual({ name: "story", id: null });
  expect(parseRoute("/node/")).toEqual({ name: "missing" });
  expect(parseRoute("/elsewhere")).toEqual({ name: "missing" });
});

test("api/page.py serves exactly these routes", () => {
  const python = readFileSync(new URL("../../api/page.py", import.meta.url), "utf8");
  const tuple = (name: string) => {
    const body = new RegExp(`^${name}: Final = \\(([^)]*)\\)`, "m").exec(python)?.[1] ?? "";
    return [...body.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  };
  expect(tuple("PAGE_ROUTES")).toEqual([...ROUTES]);
  expect(tuple("PAGE_ROUTE_PREFIXES")).toEqual([...ROUTE_PREFIXES]);
});
