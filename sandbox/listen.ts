import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on loopback (`port` 0: any free port); resolves to the bound port, rejects on a bind error. */
export function listenOnLoopback(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
