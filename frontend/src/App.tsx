// The page's frame: a header with the views and the signed-in principal, and the view the URL names.
import { useEffect, useRef } from "react";
import { useAuth } from "./lib/auth";
import { Link, navigate, useLocation } from "./lib/router";
import { parseRoute, type Route } from "./lib/routes";
import { SignIn } from "./views/SignIn";
import { Search } from "./views/Search";
import { NodePage } from "./views/NodePage";
import { BlastView } from "./views/BlastView";
import { StoryView } from "./views/StoryView";
import { FindingsView } from "./views/FindingsView";
import { GapsView } from "./views/GapsView";
import { SharedView } from "./views/SharedView";
import { ConsoleView } from "./views/ConsoleView";

const NAV: { href: string; label: string; route: Route["name"][] }[] = [
  { href: "/search", label: "Search", route: ["search", "home", "node"] },
  { href: "/findings", label: "Findings", route: ["findings"] },
  { href: "/gaps", label: "Ownership gaps", route: ["gaps"] },
  { href: "/shared", label: "Shared credentials", route: ["shared"] },
  { href: "/story", label: "Access story", route: ["story"] },
  { href: "/console", label: "Query console", route: ["console"] },
];

function View({ route }: { route: Route }) {
  switch (route.name) {
    case "home":
    case "search":
      return <Search />;
    case "node":
      return <NodePage id={route.id} />;
    case "blast":
      return <BlastView id={route.id} />;
    case "story":
      return <StoryView id={route.id} />;
    case "findings":
      return <FindingsView />;
    case "gaps":
      return <GapsView />;
    case "shared":
      return <SharedView />;
    case "console":
      return <ConsoleView />;
    case "signin":
      return <SignIn />;
    case "missing":
      return (
        <section>
          <h1>No such page</h1>
          <p>
            This address is not one of keytrail's views. <Link href="/search">Search the graph</Link> instead.
          </p>
        </section>
      );
  }
}

export function App() {
  const { token, principal, signOut } = useAuth();
  const { pathname, search } = useLocation();
  const route = parseRoute(pathname);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    if (!token && route.name !== "signin") {
      navigate(`/signin?next=${encodeURIComponent(pathname + (search.toString() ? `?${search}` : ""))}`, { replace: true });
    }
  }, [token, route.name, pathname, search]);

  useEffect(() => {
    // a new view: move focus to its heading, as a page load would, so keyboard and screen reader users follow
    main.current?.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
  }, [pathname]);

  if (!token && route.name !== "signin") return null;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/search" className="brand">
          keytrail
        </Link>
        {token && (
          <nav aria-label="Views">
            <ul>
              {NAV.map((item) => (
                <li key={item.href}>
                  <Link href={item.href} aria-current={item.route.includes(route.name) ? "page" : undefined}>
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {token && (
          <div className="who">
            <span>
              {principal ? (
                <>
                  {principal.name || "token"} <span className="badge">{principal.role.toLowerCase()}</span>
                </>
              ) : (
                "signed in"
              )}
            </span>
            <button type="button" onClick={() => signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" ref={main}>
        <View route={route} />
      </main>
    </>
  );
}
