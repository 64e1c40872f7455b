// Findings: CSV quoting (and no formula injection), sorting, and filters read from the address.
import { describe, expect, test } from "vitest";
import { CSV_HEADER, csvCell, findingsCsv } from "../src/findings/csv";
import { sortFindings } from "../src/findings/sort";
import { filtersFrom } from "../src/views/FindingsView";

const finding = (id: string, severity: string, owasp: string, rule: string, name: string) => ({
  id,
  rule,
  severity,
  owasp,
  owaspName: "Secret Leakage",
  title: "t",
  subject: { id: `aws:key:${name}`, kind: "CREDENTIAL", name },
  message: "m",
  action: "rotate",
});

describe("CSV", () => {
  test("one fixed header and one line per finding", () => {
    const text = findingsCsv([finding("f1", "HIGH", "NHI9", "KT-NHI9-001", "K1")]);
    const lines = text.split("\r\n");
    expect(lines[0]).toBe(CSV_HEADER.join(","));
    expect(lines[1]).toBe("f1,KT-NHI9-001,HIGH,NHI9,Secret Leakage,t,aws:key:K1,CREDENTIAL,K1,m,rotate");
    expect(lines).toHaveLength(3);
  });

  test("quotes, commas and newlines are quoted; a formula is defused", () => {
    expect(csvCell('say "hi", then')).toBe('"say ""hi"", then"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("-1")).toBe("'-1");
  });
});

test("sorting a page by severity, OWASP number, rule or subject", () => {
  const rows = [finding("a", "LOW", "NHI10", "R2", "b"), finding("b", "CRITICAL", "NHI2", "R1", "a"), finding("c", "HIGH", "NHI9", "R3", "c")];
  expect(sortFindings(rows, "severity", false).map((f) => f.id)).toEqual(["b", "c", "a"]);
  expect(sortFindings(rows, "owasp", false).map((f) => f.owasp)).toEqual(["NHI2", "NHI9", "NHI10"]);
  expect(sortFindings(rows, "rule", true).map((f) => f.rule)).toEqual(["R3", "R2", "R1"]);
  expect(sortFindings(rows, "subject", false).map((f) => f.subject.name)).toEqual(["a", "b", "c"]);
});

test("filters come from the address; unknown values are ignored, not sent", () => {
  const f = filtersFrom(new URLSearchParams("owasp=NHI9&severity=LOUD&verdict=OWNER_OFFBOARDED&owner=person:dana"));
  expect(f).toEqual({ rule: null, owasp: "NHI9", severity: null, owner: "person:dana", verdict: "OWNER_OFFBOARDED" });
});
