import { createServer } from "node:net";

/**
 * Asks the kernel for a free TCP port on 127.0.0.1. Another process could take it before we bind it;
 * start-up detects that (the process exits) and the caller retries.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not read the port the kernel assigned on 127.0.0.1"));
      });
    });
  });
}
