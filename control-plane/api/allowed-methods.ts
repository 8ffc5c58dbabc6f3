/**
 * Which methods a path supports, from the routes the app registered: a known path asked with
 * another method is 405 with `Allow` (RFC 9110 section 15.5.6), an unknown path 404.
 */
export function allowedMethods(routes: readonly { method: string; url: string }[]): (path: string) => string[] {
  let compiled: { pattern: RegExp; method: string }[] | undefined;
  return (path) => {
    // Routes are all registered before the first request; compile them once then.
    compiled ??= routes.map((r) => ({
      method: r.method,
      pattern: new RegExp(
        `^${r.url
          .split("/")
          .map((part) => (part.startsWith(":") ? "[^/]+" : escape(part)))
          .join("/")}/?$`,
      ),
    }));
    const methods = new Set(compiled.filter((r) => r.pattern.test(path)).map((r) => r.method));
    // Fastify answers HEAD for every GET route.
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
