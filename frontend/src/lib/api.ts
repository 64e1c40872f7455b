// One function sends a generated GraphQL operation to /graphql (same origin) with the bearer token.
// Every failure becomes an ApiError with the API's extensions.code, or NETWORK / HTTP codes of its own.
import type { TypedDocumentString } from "../generated/graphql";

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 0,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface GraphQLBody<R> {
  data?: R | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export function errorFromBody(status: number, body: GraphQLBody<unknown> | null): ApiError | null {
  const first = body?.errors?.[0];
  if (first) return new ApiError(first.extensions?.code ?? (status === 401 ? "UNAUTHENTICATED" : "INTERNAL"), first.message, status);
  if (status === 401) return new ApiError("UNAUTHENTICATED", "a valid API token is required", status);
  if (status === 403) return new ApiError("FORBIDDEN", "forbidden", status);
  if (status >= 400) return new ApiError(`HTTP_${status}`, `the server answered ${status}`, status);
  return null;
}

export async function gql<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  token: string,
  signal?: AbortSignal,
): Promise<R> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: document.toString(), variables }),
      signal,
      credentials: "omit",
    });
  } catch (exc) {
    if (exc instanceof DOMException && exc.name === "AbortError") throw exc;
    throw new ApiError("NETWORK", String(exc));
  }
  let body: GraphQLBody<R> | null = null;
  try {
    body = (await response.json()) as GraphQLBody<R>;
  } catch {
    body = null;
  }
  const failure = errorFromBody(response.status, body);
  if (failure) throw failure;
  if (!body?.data) throw new ApiError("INTERNAL", "the server sent no data", response.status);
  return body.data;
}

/** The raw answer for the query console: any document, the whole body back as text. */
export async function rawQuery(query: string, variables: unknown, token: string): Promise<{ status: number; text: string }> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
    credentials: "omit",
  });
  return { status: response.status, text: await response.text() };
}
