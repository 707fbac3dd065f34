import { registerRoutes } from "../../src/app.js";
import { Routes } from "../../src/handlers/routes.js";
import type { Runtime } from "../../src/runtime.js";

/** Which commands, events, actions and views the app registers. */
export async function registeredListeners() {
  const routes = new Routes();
  registerRoutes(routes, {} as Runtime);
  return routes.ids();
}
