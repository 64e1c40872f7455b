// Run one generated operation for the current variables; a newer request aborts the older one.
import { useEffect, useState } from "react";
import type { TypedDocumentString } from "../generated/graphql";
import { useAuth } from "./auth";

export interface QueryState<R> {
  data: R | null;
  error: unknown;
  loading: boolean;
}

export function useQuery<R, V>(document: TypedDocumentString<R, V>, variables: V | null): QueryState<R> {
  const { request } = useAuth();
  const key = variables === null ? null : JSON.stringify(variables);
  const [state, setState] = useState<QueryState<R>>({ data: null, error: null, loading: variables !== null });
  useEffect(() => {
    if (key === null) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    const abort = new AbortController();
    setState((old) => ({ data: old.data, error: null, loading: true }));
    request(document, JSON.parse(key) as V, abort.signal).then(
      (data) => !abort.signal.aborted && setState({ data, error: null, loading: false }),
      (error) => !abort.signal.aborted && setState({ data: null, error, loading: false }),
    );
    return () => abort.abort();
  }, [document, key, request]);
  return state;
}
