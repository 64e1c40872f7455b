// The API's error codes as sentences, and the HTTP answers they come from.
import { describe, expect, test } from "vitest";
import { ApiError, errorFromBody } from "../src/lib/api";
import { isSignInError, sentenceFor } from "../src/lib/errors";

describe("sentenceFor", () => {
  test.each([
    ["UNAUTHENTICATED", "x", /token was not accepted.*expired or has been revoked/],
    ["FORBIDDEN", "x", /role does not allow this/],
    ["BAD_INPUT", "max_depth must be 1..12", /not valid: max_depth must be 1\.\.12\.$/],
    ["NOT_FOUND", "no node aws:key:X.", /Nothing in the graph matches: no node aws:key:X\.$/],
    ["TOO_COMPLEX", "depth 14 > 12", /larger than the server allows \(depth 14 > 12\)/],
    ["TIMEOUT", "", /took too long/],
    ["INTERNAL", "", /failed to answer/],
    ["NETWORK", "", /could not be reached/],
  ])("%s", (code, message, sentence) => {
    expect(sentenceFor(new ApiError(code, message))).toMatch(sentence);
  });

  test("an unknown code still says what the server said", () => {
    expect(sentenceFor(new ApiError("TEAPOT", "short and stout"))).toBe("The server answered with an error (TEAPOT): short and stout");
  });

  test("a page bug is told apart from a server answer", () => {
    expect(sentenceFor(new TypeError("x is undefined"))).toBe("Something went wrong in the page: x is undefined");
  });
});

describe("errorFromBody", () => {
  test("the first GraphQL error's code wins", () => {
    const e = errorFromBody(200, { errors: [{ message: "no node", extensions: { code: "NOT_FOUND" } }] })!;
    expect([e.code, e.message]).toEqual(["NOT_FOUND", "no node"]);
  });

  test("401 and 403 without a body still read as sign-in and role errors", () => {
    expect(isSignInError(errorFromBody(401, null))).toBe(true);
    expect(errorFromBody(403, null)!.code).toBe("FORBIDDEN");
    expect(errorFromBody(502, null)!.code).toBe("HTTP_502");
    expect(errorFromBody(200, { data: {} })).toBeNull();
  });
});
