/**
 * Truce's listeners, found by a map lookup. Bolt runs every request through every registered
 * listener's own filters (is it an action? does its action_id match?) before the one that
 * matches: with thirty listeners that is about 0.3 ms of CPU per request, more than Truce's own
 * work on a survey submission. Here the handlers are registered with Routes, which Bolt sees as
 * one global middleware, last in the chain: it picks the handler by the request's kind and id
 * (a view's callback_id, the first action's action_id, the command, the event's type) and calls
 * it with the arguments Bolt gives a listener. Bolt's listener list stays empty.
 *
 * Matching is Bolt's for the ids Truce uses: a callback_id matches view_submission only (as
 * app.view(id) does), an action_id matches block_actions only. A request nothing handles goes on
 * down the chain unacknowledged, as with Bolt's own listeners.
 */
import type {
  AnyMiddlewareArgs,
  BlockAction,
  Middleware,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackViewAction,
  SlackViewMiddlewareArgs,
} from "@slack/bolt";

type Handler = Middleware<AnyMiddlewareArgs>;

interface Route {
  handler: Handler;
  /**
   * The handler records the request in the request log itself, in the same transaction as its
   * work (the survey's save): the guard's separate write is not needed, nor its commit.
   */
  recordsRequest: boolean;
}

export interface ViewRouteOptions {
  recordsRequest?: boolean;
}

export interface RouteIds {
  commands: string[];
  events: string[];
  actions: string[];
  views: string[];
}

const NOOP_NEXT = async () => undefined;

export class Routes {
  private readonly commands = new Map<string, Route>();
  private readonly events = new Map<string, Route>();
  private readonly actions = new Map<string, Route>();
  private readonly views = new Map<string, Route>();

  command(name: string, handler: Middleware<SlackCommandMiddlewareArgs>): void {
    add(this.commands, "command", name, handler);
  }

  event<EventType extends string>(
    type: EventType,
    handler: Middleware<SlackEventMiddlewareArgs<EventType>>,
  ): void {
    add(this.events, "event", type, handler);
  }

  action<Action extends BlockAction = BlockAction>(
    actionId: string,
    handler: Middleware<SlackActionMiddlewareArgs<Action>>,
  ): void {
    add(this.actions, "action", actionId, handler);
  }

  view<ViewAction extends SlackViewAction = SlackViewAction>(
    callbackId: string,
    handler: Middleware<SlackViewMiddlewareArgs<ViewAction>>,
    options: ViewRouteOptions = {},
  ): void {
    add(this.views, "view", callbackId, handler, options.recordsRequest === true);
  }

  /** What is registered, by kind (the manifest test compares it with manifest.yml). */
  ids(): RouteIds {
    return {
      commands: [...this.commands.keys()],
      events: [...this.events.keys()],
      actions: [...this.actions.keys()],
      views: [...this.views.keys()],
    };
  }

  /** The route for a request, if one is registered. Pure lookup: unit-tested. */
  routeFor(body: unknown): Route | undefined {
    const b = body as RequestShape | null | undefined;
    if (typeof b !== "object" || b === null) return undefined;
    if (b.event !== undefined) {
      return b.type === "event_callback" ? lookup(this.events, b.event?.type) : undefined;
    }
    if (b.command !== undefined) return lookup(this.commands, b.command);
    if (b.type === "block_actions") return lookup(this.actions, b.actions?.[0]?.action_id);
    if (b.type === "view_submission") return lookup(this.views, b.view?.callback_id);
    return undefined;
  }

  /**
   * The one global middleware Bolt runs: the matching handler, through `guard` (the request log,
   * which drops a redelivery) unless the route records the request itself; or, when nothing
   * matches, on down the chain.
   */
  middleware(guard?: Handler): Handler {
    return async (args) => {
      const route = this.routeFor(args.body);
      if (!route) {
        await args.next();
        return;
      }
      const run = () => route.handler({ ...args, next: NOOP_NEXT });
      if (guard && !route.recordsRequest) await guard({ ...args, next: run });
      else await run();
    };
  }
}

interface RequestShape {
  type?: unknown;
  event?: { type?: unknown } | null;
  command?: unknown;
  actions?: ({ action_id?: unknown } | null)[] | null;
  view?: { callback_id?: unknown } | null;
}

function lookup(map: Map<string, Route>, id: unknown): Route | undefined {
  return typeof id === "string" ? map.get(id) : undefined;
}

function add(
  map: Map<string, Route>,
  kind: string,
  id: string,
  handler: unknown,
  recordsRequest = false,
): void {
  // Two handlers for one id would both run under Bolt; here it is a mistake, found at start-up.
  if (map.has(id)) throw new Error(`Two handlers for the ${kind} "${id}".`);
  map.set(id, { handler: handler as Handler, recordsRequest });
}
