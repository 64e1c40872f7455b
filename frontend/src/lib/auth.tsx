// The signed-in token: kept in session storage (gone when the tab closes), never in a URL.
// Any answer coded UNAUTHENTICATED signs the page out with the reason, so an expired or revoked
// token sends the person back to the sign-in form with a sentence, not a blank page.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { gql } from "./api";
import { isSignInError, sentenceFor } from "./errors";
import { MeDocument, type MeQuery } from "../generated/graphql";
import type { TypedDocumentString } from "../generated/graphql";

const KEY = "keytrail.token";

export type Principal = MeQuery["me"];

interface Auth {
  token: string | null;
  principal: Principal | null;
  reason: string | null;
  signIn(token: string): Promise<void>;
  signOut(reason?: string): void;
  request<R, V>(document: TypedDocumentString<R, V>, variables: V, signal?: AbortSignal): Promise<R>;
}

const AuthContext = createContext<Auth | null>(null);

function stored(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(stored);
  const [principal, setPrincipal] = useState<Principal | null>(null);
  const [reason, setReason] = useState<string | null>(null);

  const signOut = useCallback((why?: string) => {
    sessionStorage.removeItem(KEY);
    setToken(null);
    setPrincipal(null);
    setReason(why ?? null);
  }, []);

  const signIn = useCallback(async (candidate: string) => {
    const clean = candidate.trim();
    const me = await gql(MeDocument, {}, clean); // throws ApiError with the API's code
    sessionStorage.setItem(KEY, clean);
    setToken(clean);
    setPrincipal(me.me);
    setReason(null);
  }, []);

  const request = useCallback(
    async <R, V>(document: TypedDocumentString<R, V>, variables: V, signal?: AbortSignal): Promise<R> => {
      if (!token) throw new Error("not signed in");
      try {
        return await gql(document, variables, token, signal);
      } catch (error) {
        if (isSignInError(error)) signOut(sentenceFor(error));
        throw error;
      }
    },
    [token, signOut],
  );

  useEffect(() => {
    // after a reload the token survives in session storage; who it belongs to is asked again
    if (!token || principal) return;
    gql(MeDocument, {}, token).then(
      (me) => setPrincipal(me.me),
      (error) => isSignInError(error) && signOut(sentenceFor(error)),
    );
  }, [token, principal, signOut]);

  const value = useMemo(
    () => ({ token, principal, reason, signIn, signOut, request }),
    [token, principal, reason, signIn, signOut, request],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}

