// Sign in with an API token (from `keytrail token create`, or the one `make demo` prints).
import { useState, type FormEvent } from "react";
import { useAuth } from "../lib/auth";
import { sentenceFor } from "../lib/errors";
import { navigate, useLocation } from "../lib/router";
import { Heading } from "../lib/ui";

export function SignIn() {
  const { signIn, reason, token } = useAuth();
  const { search } = useLocation();
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = search.get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/signin") ? next : "/search";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!value.trim()) {
      setError("Paste an API token first: it starts with kt_.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(value);
      navigate(target, { replace: true });
    } catch (exc) {
      setError(sentenceFor(exc));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="signin">
      <Heading>Sign in to keytrail</Heading>
      {token && <p>You are signed in. Signing in again replaces the token this tab keeps.</p>}
      {reason && !error && (
        <p className="error" role="alert">
          You were signed out. {reason}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="kt_…"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-describedby="token-help"
          aria-invalid={error ? true : undefined}
        />
        <p id="token-help" className="help">
          Create one with <code>keytrail token create --role reader</code>; <code>make demo</code> prints one. This tab
          keeps it in session storage until you sign out or close the tab; it never appears in an address.
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </section>
  );
}
