import type { ViewStateValue } from "@slack/bolt";
import { INVITE_MODES, type InviteMode } from "../config.js";
import type { Deps } from "../deps.js";
import { formatReminderSlots, parseReminderSlots } from "../survey/reminders.js";
import {
  INVITE_BLOCK_ID,
  PARTICIPATION_ACTION_ID,
  type ParticipationSettings,
  REMINDERS_BLOCK_ID,
  SCHEDULE_BLOCK_ID,
} from "../views/setup-participation.js";
import { inviteModeFor, reminderSlotsFor } from "./reminders.js";
import { CADENCES, changeSchedule, parseScheduleArgs } from "./schedule.js";

type StateValues = Record<string, Record<string, ViewStateValue>>;

/** What the setup modal shows for reminders, invitations and the cadence now. */
export async function participationSettingsOf(
  deps: Deps,
  teamId: string,
): Promise<ParticipationSettings> {
  const cron = await deps.store.settings.get(teamId, "schedule");
  const named = Object.entries(CADENCES).find(([, expression]) => expression === cron)?.[0];
  return {
    reminders: formatReminderSlots(await reminderSlotsFor(deps, teamId)),
    invite: await inviteModeFor(deps, teamId),
    schedule: named ?? cron ?? "",
  };
}

/** What the modal changes: a field left empty keeps its setting (the cadence: none). */
export type ChosenParticipation = Partial<Pick<ParticipationSettings, "reminders" | "invite">> &
  Pick<ParticipationSettings, "schedule">;

export type ParsedParticipation =
  | { ok: true; settings: ChosenParticipation }
  | { ok: false; errors: Record<string, string> };

/** Reads the participation fields of the setup modal, or inline errors by block_id. Pure. */
export function parseParticipationSetup(values: StateValues): ParsedParticipation {
  const text = (block: string) => values[block]?.[PARTICIPATION_ACTION_ID]?.value?.trim() ?? "";
  const errors: Record<string, string> = {};
  const reminders = text(REMINDERS_BLOCK_ID);
  const slots = reminders ? parseReminderSlots(reminders) : [];
  if ("error" in slots) errors[REMINDERS_BLOCK_ID] = `This ${slots.error}.`.replace('This "', '"');
  const invite = values[INVITE_BLOCK_ID]?.[PARTICIPATION_ACTION_ID]?.selected_option?.value;
  if (invite && !(INVITE_MODES as readonly string[]).includes(invite))
    errors[INVITE_BLOCK_ID] = "Please choose how people are invited.";
  const schedule = text(SCHEDULE_BLOCK_ID);
  if (schedule && schedule.toLowerCase() !== "off") {
    const parsed = parseScheduleArgs(schedule.split(/\s+/));
    if ("error" in parsed || parsed.kind !== "set")
      errors[SCHEDULE_BLOCK_ID] =
        "Use monthly, quarterly or a five-field cron expression such as 0 9 1 * *, or leave it empty.";
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      ...(reminders && !("error" in slots) ? { reminders: formatReminderSlots(slots) } : {}),
      ...(invite ? { invite: invite as InviteMode } : {}),
      schedule: schedule.toLowerCase() === "off" ? "" : schedule,
    },
  };
}

/** Stores the participation settings; the cadence only when it changed (keeps a skipped launch). */
export async function saveParticipationSettings(
  deps: Deps,
  teamId: string,
  chosen: ChosenParticipation,
): Promise<void> {
  if (chosen.reminders !== undefined)
    await deps.store.settings.set(teamId, "reminder_slots", chosen.reminders);
  if (chosen.invite !== undefined)
    await deps.store.settings.set(teamId, "invite_mode", chosen.invite);
  const before = (await participationSettingsOf(deps, teamId)).schedule;
  if (before === chosen.schedule) return;
  const command = chosen.schedule
    ? parseScheduleArgs(chosen.schedule.split(/\s+/))
    : { kind: "off" as const };
  if (!("error" in command)) await changeSchedule(deps, teamId, command);
}
