// The GraphQL operation types are generated from api/schema.graphql: regenerate in memory and compare.
import { readFileSync } from "node:fs";
import { generate } from "@graphql-codegen/cli";
import { expect, test } from "vitest";
import { config } from "../codegen";

test("src/generated/graphql.ts is what `npm run codegen` writes from api/schema.graphql", async () => {
  const root = new URL("..", import.meta.url).pathname;
  const previous = process.cwd();
  process.chdir(root);
  try {
    const outputs = (await generate({ ...config, silent: true }, false)) as { filename: string; content: string }[];
    for (const output of outputs) {
      const committed = readFileSync(new URL(`../${output.filename}`, import.meta.url), "utf8");
      expect(committed, `${output.filename} is stale: run npm run codegen in frontend/`).toBe(output.content);
    }
    expect(outputs.length).toBeGreaterThan(0);
  } finally {
    process.chdir(previous);
  }
}, 60_000);
