// The API's error codes (README: extensions.code) turned into sentences a person can act on.
import { ApiError } from "./api";

const SENTENCES: Record<string, (message: string) => string> = {
  UNAUTHENTICATED: () =>
    "Your token was not accepted: it is mistyped, expired or has been revoked. Sign in again with a valid token.",
  FORBIDDEN: () => "Your token's role does not allow this. Ask an administrator for a token with the right role.",
  BAD_INPUT: (m) => `The request was not valid: ${m}.`,
  NOT_FOUND: (m) => `Nothing in the graph matches: ${m}.`,
  TOO_COMPLEX: (m) => `That request is larger than the server allows (${m}). Ask for less: a smaller depth or page.`,
  TIMEOUT: () => "The server took too long to answer. Try a smaller depth or a narrower time window.",
  INTERNAL: () => "The server failed to answer this request. Try again; if it keeps failing, the server log says why.",
  NETWORK: () => "The server could not be reached. Check that `keytrail serve` is still running.",
};

export function sentenceFor(error: unknown): string {
  if (error instanceof ApiError) {
    const make = SENTENCES[error.code];
    if (make) return make(error.message.replace(/\.$/, ""));
    return `The server answered with an error (${error.code}): ${error.message}`;
  }
  return `Something went wrong in the page: ${error instanceof Error ? error.message : String(error)}`;
}

export function isSignInError(error: unknown): boolean {
  return error instanceof ApiError && error.code === "UNAUTHENTICATED";
}
