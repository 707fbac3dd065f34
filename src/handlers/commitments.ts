import type { BlockAction, ButtonAction, ViewStateValue } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import type { Runtime } from "../runtime.js";
import {
  actionsFor,
  adoptableAction,
  markDone,
  saveCommitment,
  tellOwners,
} from "../services/commitments.js";
import { leads } from "../services/leaders.js";
import { describeError } from "../services/slack.js";
import type { CommitmentDraft, DraftField } from "../survey/commitments.js";
import {
  ADOPT_ACTION_ID,
  CHANGE_ACTION_ID,
  COMMITMENT_CALLBACK_ID,
  type CommitmentModalTarget,
  commitmentModal,
  commitmentSavedModal,
  DONE_ACTION_ID,
  DRAFT_BLOCKS,
  doneMessage,
} from "../views/commitments.js";
import { noticeModal, section } from "../views/text.js";
import type { Routes } from "./routes.js";

type StateValues = Record<string, Record<string, ViewStateValue>>;

const adoptValue = z.object({
  roundId: z.number().int().positive(),
  actionId: z.string().min(1).max(200),
});
const commitmentId = z.coerce.number().int().positive();
const target = z.union([
  z.object({
    kind: z.literal("adopt"),
    roundId: z.number().int().positive(),
    actionId: z.string().min(1).max(200),
  }),
  z.object({ kind: z.literal("change"), commitmentId: z.number().int().positive() }),
]);

/** The modal's fields as typed (each may be missing); checked by the pure rules. Pure. */
export function readDraft(values: StateValues): CommitmentDraft {
  const at = (field: DraftField) => values[DRAFT_BLOCKS[field].block]?.[DRAFT_BLOCKS[field].action];
  return {
    title: at("title")?.value ?? undefined,
    salesOwner: at("salesOwner")?.selected_user ?? undefined,
    marketingOwner: at("marketingOwner")?.selected_user ?? undefined,
    dueDate: at("dueDate")?.selected_date ?? undefined,
    note: at("note")?.value ?? undefined,
  };
}

function parseJson(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

const refusal = (title: string, text: string) => noticeModal(title, "Close", [section(text)]);

export function registerCommitments(routes: Routes, rt: Runtime) {
  const isLeader = (teamId: string, client: WebClient, userId: string) =>
    leads(rt, teamId, client, userId);

  // Adopt: a leader opens the modal from a suggestion (the trigger_id lives 3 seconds).
  routes.action<BlockAction<ButtonAction>>(
    ADOPT_ACTION_ID,
    async ({ ack, body, action, client }) => {
      await ack();
      const teamId = body.team?.id ?? body.user.team_id ?? "";
      const parsed = adoptValue.safeParse(parseJson(action.value));
      let view: ReturnType<typeof commitmentModal>;
      if (!parsed.success) {
        view = refusal("Adopt an action", "That button is not one Truce made.");
      } else if (!(await isLeader(teamId, client, body.user.id))) {
        view = refusal("Adopt an action", "Only the survey's leaders can adopt an action.");
      } else {
        const found = await adoptableAction(
          rt,
          teamId,
          parsed.data.roundId,
          parsed.data.actionId,
        ).catch((error) => ({
          ok: false as const,
          message: `Sorry, I couldn't read the round just then (${describeError(error)}). Please try again.`,
        }));
        view = found.ok
          ? commitmentModal({
              target: { kind: "adopt", roundId: found.roundId, actionId: found.action.id },
              title: found.action.title,
              reason: found.action.reason,
            })
          : refusal("Adopt an action", found.message);
      }
      await client.views
        .open({ trigger_id: body.trigger_id, view })
        .catch((error) =>
          rt.logger.warn(`Could not open the Adopt modal: ${describeError(error)}`),
        );
    },
  );

  // Change: an owner or a leader opens the modal with the commitment's current values.
  routes.action<BlockAction<ButtonAction>>(
    CHANGE_ACTION_ID,
    async ({ ack, body, action, client }) => {
      await ack();
      const teamId = body.team?.id ?? body.user.team_id ?? "";
      const id = commitmentId.safeParse(action.value);
      const existing = id.success
        ? await rt.store.commitments.get(teamId, id.data).catch(() => undefined)
        : undefined;
      let view: ReturnType<typeof commitmentModal>;
      if (!existing) view = refusal("Change commitment", "That commitment no longer exists.");
      else if (
        existing.owners.sales !== body.user.id &&
        existing.owners.marketing !== body.user.id &&
        !(await isLeader(teamId, client, body.user.id))
      )
        view = refusal(
          "Change commitment",
          "Only its owners and the survey's leaders can change this commitment.",
        );
      else
        view = commitmentModal({
          target: { kind: "change", commitmentId: existing.id },
          title: existing.title,
          owners: existing.owners,
          dueDate: existing.dueDate,
          ...(existing.note ? { note: existing.note } : {}),
        });
      await client.views
        .open({ trigger_id: body.trigger_id, view })
        .catch((error) =>
          rt.logger.warn(`Could not open the Change modal: ${describeError(error)}`),
        );
    },
  );

  routes.view(COMMITMENT_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const teamId = body.team?.id ?? body.user.team_id ?? "";
    const parsedTarget = target.safeParse(parseJson(view.private_metadata));
    const firstBlock = DRAFT_BLOCKS.title.block;
    if (!parsedTarget.success) {
      await ack({
        response_action: "errors",
        errors: { [firstBlock]: "This form is not one Truce made." },
      });
      return;
    }
    const leader = await isLeader(teamId, client, body.user.id);
    let saved: Awaited<ReturnType<typeof saveCommitment>>;
    try {
      saved = await saveCommitment(rt, {
        teamId,
        userId: body.user.id,
        isLeader: leader,
        target: parsedTarget.data as CommitmentModalTarget,
        draft: readDraft(view.state.values),
      });
    } catch (error) {
      rt.logger.error(`Could not save a commitment: ${describeError(error)}`);
      await ack({
        response_action: "errors",
        errors: {
          [firstBlock]:
            "Sorry, I couldn't save it just now. Nothing changed: press the button again in a moment.",
        },
      });
      return;
    }
    if (!saved.ok) {
      const errors =
        "refused" in saved
          ? { [firstBlock]: saved.refused }
          : Object.fromEntries(
              Object.entries(saved.errors).map(([field, message]) => [
                DRAFT_BLOCKS[field as DraftField].block,
                message,
              ]),
            );
      await ack({ response_action: "errors", errors });
      return;
    }
    await ack({
      response_action: "update",
      view: commitmentSavedModal(saved.commitment, saved.adopted),
    });
    // The owners are told after the ack (the outbox keeps it owed if this fails).
    const { commitment, adopted } = saved;
    rt.home.changed(teamId, { urgent: true });
    rt.afterAck(`tell the owners of commitment ${commitment.id}`, () =>
      tellOwners(rt, client, commitment, !adopted),
    );
  });

  // Mark done, from an owner's DM, a follow-up or /alignment actions.
  routes.action<BlockAction<ButtonAction>>(
    DONE_ACTION_ID,
    async ({ ack, body, action, client, respond }) => {
      await ack();
      const teamId = body.team?.id ?? body.user.team_id ?? "";
      const id = commitmentId.safeParse(action.value);
      const onHome = body.container?.type === "view";
      const answer = async (message: { text: string; blocks?: unknown[] }, replace: boolean) => {
        // A Home tab takes no replies: a refusal or failure is told in a small modal, and a
        // success shows on the Home itself, republished at once.
        if (onHome) {
          if (replace) return;
          await client.views
            .open({ trigger_id: body.trigger_id, view: refusal("Mark done", message.text) })
            .catch((error) =>
              rt.logger.warn(`Could not answer Mark done: ${describeError(error)}`),
            );
          return;
        }
        if (respond) {
          await respond({
            response_type: "ephemeral",
            replace_original: replace,
            ...message,
          } as never).catch((error) =>
            rt.logger.warn(`Could not answer Mark done: ${describeError(error)}`),
          );
        }
      };
      if (!id.success) {
        await answer({ text: "That button is not one Truce made." }, false);
        return;
      }
      let result: Awaited<ReturnType<typeof markDone>>;
      const leader = await isLeader(teamId, client, body.user.id);
      try {
        result = await markDone(rt, {
          teamId,
          userId: body.user.id,
          isLeader: leader,
          commitmentId: id.data,
        });
      } catch (error) {
        rt.logger.warn(`Could not mark commitment ${id.data} done: ${describeError(error)}`);
        await answer(
          {
            text: "Sorry, I couldn't save that just now. Nothing changed: please press Mark done again.",
          },
          false,
        );
        return;
      }
      if (!result.ok) {
        await answer({ text: result.refused }, false);
        return;
      }
      rt.home.changed(teamId, { urgent: true });
      if (onHome) rt.home.opened(teamId, body.user.id);
      // On the ephemeral board the board is shown again, brought up to date; in a DM the
      // message with the buttons becomes the record of who marked it done.
      const ephemeral =
        (body.container as { is_ephemeral?: boolean } | undefined)?.is_ephemeral === true;
      await answer(
        ephemeral ? await actionsFor(rt, teamId, leader) : doneMessage(result.commitment),
        true,
      );
    },
  );
}
