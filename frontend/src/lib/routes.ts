// The page's URLs. api/page.py serves index.html for exactly these (test/routes.test.ts keeps the two lists equal).
export const ROUTES = ["/", "/signin", "/search", "/story", "/findings", "/gaps", "/shared", "/console"] as const;
export const ROUTE_PREFIXES = ["/node/", "/blast/", "/story/"] as const;

export type Route =
  | { name: "home" }
  | { name: "signin" }
  | { name: "search" }
  | { name: "node"; id: string }
  | { name: "blast"; id: string }
  | { name: "story"; id: string | null }
  | { name: "findings" }
  | { name: "gaps" }
  | { name: "shared" }
  | { name: "console" }
  | { name: "missing" };

export function parseRoute(pathname: string): Route {
  for (const prefix of ROUTE_PREFIXES) {
    if (pathname.startsWith(prefix) && pathname.length > prefix.length) {
      const id = decodeURIComponent(pathname.slice(prefix.length));
      const name = prefix.slice(1, -1) as "node" | "blast" | "story";
      return { name, id };
    }
  }
  switch (pathname) {
    case "/":
      return { name: "home" };
    case "/signin":
      return { name: "signin" };
    case "/search":
      return { name: "search" };
    case "/story":
      return { name: "story", id: null };
    case "/findings":
      return { name: "findings" };
    case "/gaps":
      return { name: "gaps" };
    case "/shared":
      return { name: "shared" };
    case "/console":
      return { name: "console" };
    default:
      return { name: "missing" };
  }
}

export const nodeUrl = (id: string) => `/node/${encodeURIComponent(id)}`;
export const blastUrl = (id: string) => `/blast/${encodeURIComponent(id)}`;
export const storyUrl = (id: string) => `/story/${encodeURIComponent(id)}`;
