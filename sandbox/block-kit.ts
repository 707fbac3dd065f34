/**
 * Block Kit validator for the local Slack sandbox.
 *
 * Enforces the limits Slack enforces (Slack's published Block Kit and API limits) and reports
 * violations the way Slack does: one string per problem, `<message> [json-pointer:<path>]`.
 * Messages are rooted at `/blocks`, views at `/view` (Slack's `views.*` methods answer
 * `invalid_arguments` with these strings prefixed by `[ERROR] ` in `response_metadata.messages`;
 * `chat.*` methods answer `invalid_blocks` with them in `errors`).
 *
 * Pure module: no I/O, no test framework imports.
 */

export type Surface = "message" | "modal" | "home";

/** Every numeric limit the validator enforces, in one place. */
export const BLOCK_KIT_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  modalTitle: 24,
  modalSubmit: 24,
  modalClose: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  blockId: 255,
  actionId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  buttonText: 75,
  buttonValue: 2000,
  buttonAccessibilityLabel: 75,
  url: 3000,
  optionText: 75,
  optionValue: 75,
  optionDescription: 75,
  optionGroupLabel: 75,
  radioOptions: 10,
  checkboxOptions: 10,
  selectOptions: 100,
  selectOptionGroups: 100,
  overflowMinOptions: 2,
  overflowMaxOptions: 5,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  imageAltText: 2000,
  imageTitle: 2000,
  markdownText: 12000,
  plainTextInputLength: 3000,
  messageText: 40000,
  /** A view's JSON, in bytes (Slack: "greater than 250kb" → view_too_large). */
  viewBytes: 250_000,
} as const;

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const SELECT_TYPES = [
  "static_select",
  "external_select",
  "users_select",
  "conversations_select",
  "channels_select",
] as const;
const MULTI_SELECT_TYPES = [
  "multi_static_select",
  "multi_external_select",
  "multi_users_select",
  "multi_conversations_select",
  "multi_channels_select",
] as const;

const ACCESSORY_TYPES = new Set<string>([
  "button",
  "checkboxes",
  "datepicker",
  "image",
  ...MULTI_SELECT_TYPES,
  "overflow",
  "radio_buttons",
  ...SELECT_TYPES,
  "timepicker",
  "workflow_button",
]);
const ACTIONS_TYPES = new Set<string>([
  "button",
  "checkboxes",
  "datepicker",
  "datetimepicker",
  ...MULTI_SELECT_TYPES,
  "overflow",
  "radio_buttons",
  ...SELECT_TYPES,
  "timepicker",
  "workflow_button",
  "rich_text_input",
]);
const INPUT_TYPES = new Set<string>([
  "checkboxes",
  "datepicker",
  "datetimepicker",
  "email_text_input",
  "file_input",
  ...MULTI_SELECT_TYPES,
  "number_input",
  "plain_text_input",
  "radio_buttons",
  "rich_text_input",
  ...SELECT_TYPES,
  "timepicker",
  "url_text_input",
]);
const CONTEXT_ACTIONS_TYPES = new Set<string>(["feedback_buttons", "icon_button"]);

type ElementContext = "accessory" | "actions" | "input" | "context" | "context_actions";

const CONTEXT_TYPES: Record<ElementContext, Set<string>> = {
  accessory: ACCESSORY_TYPES,
  actions: ACTIONS_TYPES,
  input: INPUT_TYPES,
  context: new Set(["image"]),
  context_actions: CONTEXT_ACTIONS_TYPES,
};

/** Allowed properties per element type (Slack rejects anything else as an "additional property"). */
const ELEMENT_KEYS: Record<string, readonly string[]> = {
  button: ["type", "action_id", "text", "value", "url", "style", "confirm", "accessibility_label"],
  checkboxes: ["type", "action_id", "options", "initial_options", "confirm", "focus_on_load"],
  radio_buttons: ["type", "action_id", "options", "initial_option", "confirm", "focus_on_load"],
  static_select: [
    "type",
    "action_id",
    "options",
    "option_groups",
    "initial_option",
    "confirm",
    "focus_on_load",
    "placeholder",
  ],
  multi_static_select: [
    "type",
    "action_id",
    "options",
    "option_groups",
    "initial_options",
    "max_selected_items",
    "confirm",
    "focus_on_load",
    "placeholder",
  ],
  external_select: [
    "type",
    "action_id",
    "initial_option",
    "min_query_length",
    "confirm",
    "focus_on_load",
    "placeholder",
  ],
  multi_external_select: [
    "type",
    "action_id",
    "initial_options",
    "min_query_length",
    "max_selected_items",
    "confirm",
    "focus_on_load",
    "placeholder",
  ],
  users_select: ["type", "action_id", "initial_user", "confirm", "focus_on_load", "placeholder"],
  multi_users_select: [
    "type",
    "action_id",
    "initial_users",
    "max_selected_items",
    "confirm",
    "focus_on_load",
    "placeholder",
  ],
  conversations_select: [
    "type",
    "action_id",
    "initial_conversation",
    "default_to_current_conversation",
    "filter",
    "response_url_enabled",
    "confirm",
    "focus_on_load",
    "placeholder",
  ],
  multi_conversations_select: [
    "type",
    "action_id",
    "initial_conversations",
    "default_to_current_conversation",
    "filter",
    "max_selected_items",
    "confirm",
    "focus_on_load",
    "placeholder",
  ],
  channels_select: [
    "type",
    "action_id",
    "initial_channel",
    "response_url_enabled",
    "confirm",
    "focus_on_load",
    "placeholder",
  ],
  multi_channels_select: [
    "type",
    "action_id",
    "initial_channels",
    "max_selected_items",
    "confirm",
    "focus_on_load",
    "placeholder",
  ],
  overflow: ["type", "action_id", "options", "confirm"],
  datepicker: ["type", "action_id", "initial_date", "confirm", "focus_on_load", "placeholder"],
  timepicker: [
    "type",
    "action_id",
    "initial_time",
    "timezone",
    "confirm",
    "focus_on_load",
    "placeholder",
  ],
  datetimepicker: ["type", "action_id", "initial_date_time", "confirm", "focus_on_load"],
  plain_text_input: [
    "type",
    "action_id",
    "initial_value",
    "multiline",
    "min_length",
    "max_length",
    "dispatch_action_config",
    "focus_on_load",
    "placeholder",
  ],
  email_text_input: [
    "type",
    "action_id",
    "initial_value",
    "dispatch_action_config",
    "focus_on_load",
    "placeholder",
  ],
  url_text_input: [
    "type",
    "action_id",
    "initial_value",
    "dispatch_action_config",
    "focus_on_load",
    "placeholder",
  ],
  number_input: [
    "type",
    "action_id",
    "is_decimal_allowed",
    "initial_value",
    "min_value",
    "max_value",
    "dispatch_action_config",
    "focus_on_load",
    "placeholder",
  ],
  rich_text_input: [
    "type",
    "action_id",
    "initial_value",
    "min_lines",
    "max_lines",
    "dispatch_action_config",
    "focus_on_load",
    "placeholder",
  ],
  file_input: ["type", "action_id", "filetypes", "max_files"],
  image: ["type", "image_url", "slack_file", "alt_text"],
  workflow_button: ["type", "action_id", "text", "workflow", "style", "accessibility_label"],
  feedback_buttons: ["type", "action_id", "positive_button", "negative_button"],
  icon_button: [
    "type",
    "action_id",
    "icon",
    "text",
    "accessibility_label",
    "value",
    "visible_to_user_ids",
    "confirm",
  ],
};

/** Allowed properties per block type. `null` = a block type we accept without deep checks. */
const BLOCK_KEYS: Record<string, readonly string[] | null> = {
  section: ["type", "block_id", "text", "fields", "accessory", "expand"],
  header: ["type", "block_id", "text"],
  divider: ["type", "block_id"],
  context: ["type", "block_id", "elements"],
  actions: ["type", "block_id", "elements"],
  input: ["type", "block_id", "label", "element", "hint", "optional", "dispatch_action"],
  image: ["type", "block_id", "image_url", "slack_file", "alt_text", "title"],
  markdown: ["type", "block_id", "text"],
  rich_text: ["type", "block_id", "elements"],
  video: [
    "type",
    "block_id",
    "video_url",
    "thumbnail_url",
    "alt_text",
    "title",
    "title_url",
    "author_name",
    "provider_name",
    "provider_icon_url",
    "description",
  ],
  file: ["type", "block_id", "source", "external_id"],
  table: ["type", "block_id", "rows", "column_settings"],
  context_actions: ["type", "block_id", "elements"],
  // Newer/limited-release block types known to @slack/types: accepted without deep checks.
  alert: null,
  card: null,
  carousel: null,
  container: null,
  data_table: null,
  task_card: null,
  plan: null,
};

const MODAL_KEYS = [
  "type",
  "title",
  "blocks",
  "close",
  "submit",
  "private_metadata",
  "callback_id",
  "clear_on_close",
  "notify_on_close",
  "external_id",
  "submit_disabled",
] as const;
const HOME_KEYS = ["type", "blocks", "private_metadata", "callback_id", "external_id"] as const;

interface StrOpts {
  required?: boolean;
  max?: number;
  min?: number;
}
interface TextOpts {
  required?: boolean;
  max?: number;
  plainOnly?: boolean;
}
interface OptionListOpts {
  min: number;
  max: number;
  plainOnly: boolean;
  allowUrl?: boolean;
}

class Checker {
  readonly errors: string[] = [];
  constructor(readonly surface: Surface) {}

  fail(path: string, message: string): void {
    this.errors.push(`${message} [json-pointer:${path}]`);
  }

  obj(v: unknown, path: string): v is Obj {
    if (isObj(v)) return true;
    this.fail(path, "must provide an object");
    return false;
  }

  keys(o: Obj, allowed: readonly string[], path: string): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.fail(path, `invalid additional property: ${k}`);
    }
  }

  str(o: Obj, key: string, path: string, opts: StrOpts = {}): string | undefined {
    const v = o[key];
    const p = `${path}/${key}`;
    if (v === undefined || v === null) {
      if (opts.required) this.fail(path, `missing required field: ${key}`);
      return undefined;
    }
    if (typeof v !== "string") {
      this.fail(p, "must provide a string");
      return undefined;
    }
    const min = opts.min ?? 1;
    if (v.length < min) this.fail(p, `must be more than ${min - 1} characters`);
    if (opts.max !== undefined && v.length > opts.max) {
      this.fail(p, `must be less than ${opts.max + 1} characters`);
    }
    return v;
  }

  bool(o: Obj, key: string, path: string): void {
    const v = o[key];
    if (v !== undefined && typeof v !== "boolean") this.fail(`${path}/${key}`, "must be a boolean");
  }

  int(o: Obj, key: string, path: string, min?: number, max?: number): number | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    const p = `${path}/${key}`;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      this.fail(p, "must be an integer");
      return undefined;
    }
    if (min !== undefined && v < min) this.fail(p, `must be greater than or equal to ${min}`);
    if (max !== undefined && v > max) this.fail(p, `must be less than or equal to ${max}`);
    return v;
  }

  oneOf(o: Obj, key: string, path: string, values: readonly string[]): void {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== "string" || !values.includes(v)) {
      this.fail(`${path}/${key}`, `must be one of: ${values.join(", ")}`);
    }
  }

  array(v: unknown, path: string, min: number, max?: number): unknown[] | undefined {
    if (!Array.isArray(v)) {
      this.fail(path, "must provide an array");
      return undefined;
    }
    if (v.length < min) this.fail(path, `must provide at least ${min} items`);
    if (max !== undefined && v.length > max) this.fail(path, `no more than ${max} items allowed`);
    return v;
  }

  /** A text object: `{type: "plain_text"|"mrkdwn", text}` with non-empty text. */
  text(o: Obj, key: string, path: string, opts: TextOpts = {}): Obj | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (opts.required) this.fail(path, `missing required field: ${key}`);
      return undefined;
    }
    return this.textObject(v, `${path}/${key}`, opts);
  }

  textObject(v: unknown, p: string, opts: TextOpts = {}): Obj | undefined {
    if (!this.obj(v, p)) return undefined;
    const type = v.type;
    if (type === "plain_text") {
      this.keys(v, ["type", "text", "emoji"], p);
      this.bool(v, "emoji", p);
    } else if (type === "mrkdwn") {
      if (opts.plainOnly) {
        this.fail(`${p}/type`, "must be plain_text (mrkdwn is not allowed here)");
      }
      this.keys(v, ["type", "text", "verbatim"], p);
      this.bool(v, "verbatim", p);
    } else {
      this.fail(
        `${p}/type`,
        opts.plainOnly ? "must be plain_text" : "must be one of: plain_text, mrkdwn",
      );
    }
    this.str(v, "text", p, { required: true, max: opts.max, min: 1 });
    return v;
  }

  confirm(o: Obj, path: string): void {
    const v = o.confirm;
    if (v === undefined) return;
    const p = `${path}/confirm`;
    if (!this.obj(v, p)) return;
    const L = BLOCK_KIT_LIMITS;
    this.keys(v, ["title", "text", "confirm", "deny", "style"], p);
    this.text(v, "title", p, { required: true, plainOnly: true, max: L.confirmTitle });
    this.text(v, "text", p, { required: true, max: L.confirmText });
    this.text(v, "confirm", p, { required: true, plainOnly: true, max: L.confirmButton });
    this.text(v, "deny", p, { required: true, plainOnly: true, max: L.confirmButton });
    this.oneOf(v, "style", p, ["primary", "danger"]);
  }

  option(v: unknown, p: string, plainOnly: boolean, allowUrl: boolean): Obj | undefined {
    if (!this.obj(v, p)) return undefined;
    const L = BLOCK_KIT_LIMITS;
    this.keys(
      v,
      allowUrl ? ["text", "value", "description", "url"] : ["text", "value", "description"],
      p,
    );
    this.text(v, "text", p, { required: true, plainOnly, max: L.optionText });
    this.str(v, "value", p, { required: true, max: L.optionValue });
    this.text(v, "description", p, { plainOnly, max: L.optionDescription });
    if (allowUrl) this.str(v, "url", p, { max: L.url });
    return v;
  }

  options(v: unknown, path: string, opts: OptionListOpts): Obj[] {
    const list = this.array(v, path, opts.min, opts.max);
    if (!list) return [];
    const out: Obj[] = [];
    list.forEach((o, i) => {
      const ok = this.option(o, `${path}/${i}`, opts.plainOnly, opts.allowUrl ?? false);
      if (ok) out.push(ok);
    });
    return out;
  }

  /** `initial_option` must be one of the element's options (same value and same text). */
  initialOption(o: Obj, path: string, options: Obj[], plainOnly: boolean): void {
    const v = o.initial_option;
    if (v === undefined) return;
    const p = `${path}/initial_option`;
    const opt = this.option(v, p, plainOnly, false);
    if (opt && !options.some((x) => sameOption(x, opt))) {
      this.fail(p, "initial_option must match one of the provided options");
    }
  }

  initialOptions(o: Obj, path: string, options: Obj[], plainOnly: boolean): void {
    const v = o.initial_options;
    if (v === undefined) return;
    const p = `${path}/initial_options`;
    const list = this.array(v, p, 0);
    if (!list) return;
    list.forEach((item, i) => {
      const opt = this.option(item, `${p}/${i}`, plainOnly, false);
      if (opt && !options.some((x) => sameOption(x, opt))) {
        this.fail(`${p}/${i}`, "initial_options must each match one of the provided options");
      }
    });
  }

  element(v: unknown, path: string, context: ElementContext): Obj | undefined {
    if (!this.obj(v, path)) return undefined;
    const type = v.type;
    if (typeof type !== "string" || !(type in ELEMENT_KEYS)) {
      this.fail(`${path}/type`, `unsupported type: ${String(type)}`);
      return undefined;
    }
    if (!CONTEXT_TYPES[context].has(type)) {
      this.fail(`${path}/type`, `unsupported type: ${type} (not allowed in ${context} elements)`);
      return undefined;
    }
    const keys = ELEMENT_KEYS[type] ?? [];
    this.keys(v, keys, path);
    if (keys.includes("action_id")) {
      this.str(v, "action_id", path, { max: BLOCK_KIT_LIMITS.actionId });
    }
    if (keys.includes("placeholder")) {
      this.text(v, "placeholder", path, { plainOnly: true, max: BLOCK_KIT_LIMITS.placeholder });
    }
    if (keys.includes("confirm")) this.confirm(v, path);
    if (keys.includes("focus_on_load")) this.bool(v, "focus_on_load", path);
    if (keys.includes("max_selected_items")) this.int(v, "max_selected_items", path, 1);
    this.elementSpecific(type, v, path);
    return v;
  }

  private elementSpecific(type: string, v: Obj, path: string): void {
    const L = BLOCK_KIT_LIMITS;
    switch (type) {
      case "button":
        this.text(v, "text", path, { required: true, plainOnly: true, max: L.buttonText });
        this.str(v, "value", path, { max: L.buttonValue });
        this.str(v, "url", path, { max: L.url });
        this.oneOf(v, "style", path, ["primary", "danger"]);
        this.str(v, "accessibility_label", path, { max: L.buttonAccessibilityLabel });
        break;
      case "workflow_button":
        this.text(v, "text", path, { required: true, plainOnly: true, max: L.buttonText });
        this.oneOf(v, "style", path, ["primary", "danger"]);
        if (!isObj(v.workflow)) this.fail(path, "missing required field: workflow");
        break;
      case "radio_buttons": {
        const opts = this.options(v.options, `${path}/options`, {
          min: 1,
          max: L.radioOptions,
          plainOnly: false,
        });
        this.initialOption(v, path, opts, false);
        break;
      }
      case "checkboxes": {
        const opts = this.options(v.options, `${path}/options`, {
          min: 1,
          max: L.checkboxOptions,
          plainOnly: false,
        });
        this.initialOptions(v, path, opts, false);
        break;
      }
      case "overflow":
        this.options(v.options, `${path}/options`, {
          min: L.overflowMinOptions,
          max: L.overflowMaxOptions,
          plainOnly: true,
          allowUrl: true,
        });
        break;
      case "static_select":
      case "multi_static_select": {
        const opts = this.staticSelectOptions(v, path);
        if (type === "static_select") this.initialOption(v, path, opts, true);
        else this.initialOptions(v, path, opts, true);
        break;
      }
      case "external_select":
        if (v.initial_option !== undefined) {
          this.option(v.initial_option, `${path}/initial_option`, true, false);
        }
        this.int(v, "min_query_length", path, 0);
        break;
      case "multi_external_select":
        if (v.initial_options !== undefined) {
          const list = this.array(v.initial_options, `${path}/initial_options`, 0);
          list?.forEach((o, i) => {
            this.option(o, `${path}/initial_options/${i}`, true, false);
          });
        }
        this.int(v, "min_query_length", path, 0);
        break;
      case "conversations_select":
      case "channels_select":
        this.bool(v, "response_url_enabled", path);
        this.bool(v, "default_to_current_conversation", path);
        break;
      case "datepicker":
        if (v.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(v.initial_date))) {
          this.fail(`${path}/initial_date`, "must be a date in the format YYYY-MM-DD");
        }
        break;
      case "timepicker":
        if (v.initial_time !== undefined && !/^\d{2}:\d{2}$/.test(String(v.initial_time))) {
          this.fail(`${path}/initial_time`, "must be a time in the format HH:mm");
        }
        break;
      case "plain_text_input": {
        this.bool(v, "multiline", path);
        const min = this.int(v, "min_length", path, 0, L.plainTextInputLength);
        const max = this.int(v, "max_length", path, 1, L.plainTextInputLength);
        if (min !== undefined && max !== undefined && min > max) {
          this.fail(`${path}/min_length`, "must be less than or equal to max_length");
        }
        this.str(v, "initial_value", path, { min: 0, max: max ?? L.plainTextInputLength });
        break;
      }
      case "number_input":
        if (typeof v.is_decimal_allowed !== "boolean") {
          this.fail(path, "missing required field: is_decimal_allowed");
        }
        break;
      case "image":
        this.imageSource(v, path);
        this.str(v, "alt_text", path, { required: true, max: L.imageAltText });
        break;
      default:
        break;
    }
  }

  private staticSelectOptions(v: Obj, path: string): Obj[] {
    const L = BLOCK_KIT_LIMITS;
    const hasOptions = v.options !== undefined;
    const hasGroups = v.option_groups !== undefined;
    if (hasOptions && hasGroups) {
      this.fail(path, "must provide either options or option_groups, not both");
    }
    if (!hasOptions && !hasGroups) {
      this.fail(path, "must provide either options or option_groups");
      return [];
    }
    if (hasOptions) {
      return this.options(v.options, `${path}/options`, {
        min: 1,
        max: L.selectOptions,
        plainOnly: true,
      });
    }
    const groups = this.array(v.option_groups, `${path}/option_groups`, 1, L.selectOptionGroups);
    const all: Obj[] = [];
    groups?.forEach((g, i) => {
      const gp = `${path}/option_groups/${i}`;
      if (!this.obj(g, gp)) return;
      this.keys(g, ["label", "options"], gp);
      this.text(g, "label", gp, { required: true, plainOnly: true, max: L.optionGroupLabel });
      all.push(
        ...this.options(g.options, `${gp}/options`, {
          min: 1,
          max: L.selectOptions,
          plainOnly: true,
        }),
      );
    });
    return all;
  }

  private imageSource(v: Obj, path: string): void {
    const hasUrl = v.image_url !== undefined;
    const hasFile = v.slack_file !== undefined;
    if (hasUrl === hasFile) {
      this.fail(path, "must provide exactly one of image_url or slack_file");
    }
    if (hasUrl) this.str(v, "image_url", path, { max: BLOCK_KIT_LIMITS.url });
    if (hasFile && !isObj(v.slack_file)) this.fail(`${path}/slack_file`, "must provide an object");
  }

  blocks(v: unknown, path: string, max: number): void {
    const list = this.array(v, path, 0, max);
    if (!list) return;
    const seen = new Set<string>();
    list.forEach((b, i) => {
      const p = `${path}/${i}`;
      if (!this.obj(b, p)) return;
      const id = b.block_id;
      if (id !== undefined) {
        const s = this.str(b, "block_id", p, { max: BLOCK_KIT_LIMITS.blockId });
        if (s !== undefined) {
          if (seen.has(s))
            this.fail(`${p}/block_id`, `duplicate block_id "${s}": block_id must be unique`);
          seen.add(s);
        }
      }
      this.block(b, p);
    });
  }

  private block(b: Obj, p: string): void {
    const L = BLOCK_KIT_LIMITS;
    const type = b.type;
    if (typeof type !== "string" || !(type in BLOCK_KEYS)) {
      this.fail(`${p}/type`, `unsupported type: ${String(type)}`);
      return;
    }
    const keys = BLOCK_KEYS[type];
    if (keys === null || keys === undefined) return;
    this.keys(b, keys, p);
    switch (type) {
      case "section": {
        if (b.text === undefined && b.fields === undefined) {
          this.fail(p, "must define either `text` or `fields`");
        }
        this.text(b, "text", p, { max: L.sectionText });
        if (b.fields !== undefined) {
          const fields = this.array(b.fields, `${p}/fields`, 1, L.sectionFields);
          fields?.forEach((f, i) => {
            this.textObject(f, `${p}/fields/${i}`, { max: L.sectionFieldText });
          });
        }
        if (b.accessory !== undefined) this.element(b.accessory, `${p}/accessory`, "accessory");
        this.bool(b, "expand", p);
        break;
      }
      case "header":
        this.text(b, "text", p, { required: true, plainOnly: true, max: L.headerText });
        break;
      case "divider":
        break;
      case "context": {
        const els = this.array(b.elements, `${p}/elements`, 1, L.contextElements);
        els?.forEach((e, i) => {
          const ep = `${p}/elements/${i}`;
          if (isObj(e) && (e.type === "plain_text" || e.type === "mrkdwn")) {
            this.textObject(e, ep, { max: L.contextText });
          } else {
            this.element(e, ep, "context");
          }
        });
        break;
      }
      case "actions":
      case "context_actions": {
        const max = type === "actions" ? L.actionsElements : 5;
        const els = this.array(b.elements, `${p}/elements`, 1, max);
        const ids = new Set<string>();
        els?.forEach((e, i) => {
          const ep = `${p}/elements/${i}`;
          const el = this.element(e, ep, type);
          const aid = el?.action_id;
          if (typeof aid === "string") {
            if (ids.has(aid)) {
              this.fail(
                `${ep}/action_id`,
                `duplicate action_id "${aid}": action_id must be unique within a block`,
              );
            }
            ids.add(aid);
          }
        });
        break;
      }
      case "input":
        if (this.surface === "message") {
          this.fail(
            `${p}/type`,
            "unsupported type: input (input blocks are only allowed in modals and the Home tab)",
          );
          return;
        }
        this.text(b, "label", p, { required: true, plainOnly: true, max: L.inputLabel });
        this.text(b, "hint", p, { plainOnly: true, max: L.inputHint });
        this.bool(b, "optional", p);
        this.bool(b, "dispatch_action", p);
        if (b.element === undefined) this.fail(p, "missing required field: element");
        else this.element(b.element, `${p}/element`, "input");
        break;
      case "image":
        this.imageSource(b, p);
        this.str(b, "alt_text", p, { required: true, max: L.imageAltText });
        this.text(b, "title", p, { plainOnly: true, max: L.imageTitle });
        break;
      case "markdown":
        this.str(b, "text", p, { required: true, max: L.markdownText });
        break;
      case "rich_text":
        this.array(b.elements, `${p}/elements`, 1);
        break;
      case "file":
        if (this.surface !== "message")
          this.fail(`${p}/type`, "unsupported type: file (messages only)");
        this.str(b, "external_id", p, { required: true });
        this.str(b, "source", p, { required: true });
        break;
      case "video":
        this.str(b, "video_url", p, { required: true, max: L.url });
        this.str(b, "thumbnail_url", p, { required: true, max: L.url });
        this.str(b, "alt_text", p, { required: true, max: L.imageAltText });
        this.text(b, "title", p, { required: true, plainOnly: true, max: 200 });
        break;
      case "table":
        this.array(b.rows, `${p}/rows`, 1);
        break;
      default:
        break;
    }
  }
}

function sameOption(a: Obj, b: Obj): boolean {
  const at = isObj(a.text) ? a.text : {};
  const bt = isObj(b.text) ? b.text : {};
  return a.value === b.value && at.text === bt.text && at.type === bt.type;
}

/** Validate a message's `blocks` (chat.postMessage/postEphemeral/update, response_url). */
export function validateMessageBlocks(blocks: unknown): string[] {
  const c = new Checker("message");
  c.blocks(blocks, "/blocks", BLOCK_KIT_LIMITS.messageBlocks);
  return c.errors;
}

/** The UTF-8 size of a view's JSON, as Slack measures it for `view_too_large`. */
export function viewByteSize(view: unknown): number {
  return Buffer.byteLength(JSON.stringify(view) ?? "", "utf8");
}

/** Validate a view (modal or Home tab) as passed to views.open/update/push/publish. */
export function validateView(view: unknown): string[] {
  const L = BLOCK_KIT_LIMITS;
  const p = "/view";
  const probe = new Checker("modal");
  if (!probe.obj(view, p)) return probe.errors;
  const type = view.type;
  if (type !== "modal" && type !== "home") {
    probe.fail(`${p}/type`, "must be one of: modal, home");
    return probe.errors;
  }
  const c = new Checker(type);
  c.keys(view, type === "modal" ? MODAL_KEYS : HOME_KEYS, p);
  if (type === "modal") {
    c.text(view, "title", p, { required: true, plainOnly: true, max: L.modalTitle });
    c.text(view, "submit", p, { plainOnly: true, max: L.modalSubmit });
    c.text(view, "close", p, { plainOnly: true, max: L.modalClose });
    c.bool(view, "clear_on_close", p);
    c.bool(view, "notify_on_close", p);
    c.bool(view, "submit_disabled", p);
    const hasInput =
      Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === "input");
    if (hasInput && view.submit === undefined) {
      c.fail(p, "missing required field: submit (required when the view has input blocks)");
    }
  }
  c.str(view, "private_metadata", p, { min: 0, max: L.privateMetadata });
  c.str(view, "callback_id", p, { min: 0, max: L.callbackId });
  c.str(view, "external_id", p, { min: 0, max: L.externalId });
  if (view.blocks === undefined) c.fail(p, "missing required field: blocks");
  else c.blocks(view.blocks, `${p}/blocks`, L.viewBlocks);
  const size = viewByteSize(view);
  if (size > L.viewBytes) c.fail(p, `view is too large: ${size} bytes (at most ${L.viewBytes})`);
  return c.errors;
}

/** One interactive element found in a list of blocks. */
export interface FoundElement {
  block: Obj;
  blockIndex: number;
  blockId: string | undefined;
  element: Obj;
  actionId: string | undefined;
  type: string;
}

/** Every interactive element in `blocks` (section accessories, actions, input elements). */
export function findElements(blocks: unknown): FoundElement[] {
  const out: FoundElement[] = [];
  if (!Array.isArray(blocks)) return out;
  blocks.forEach((block, blockIndex) => {
    if (!isObj(block)) return;
    const blockId = typeof block.block_id === "string" ? block.block_id : undefined;
    const push = (el: unknown): void => {
      if (!isObj(el) || typeof el.type !== "string") return;
      out.push({
        block,
        blockIndex,
        blockId,
        element: el,
        actionId: typeof el.action_id === "string" ? el.action_id : undefined,
        type: el.type,
      });
    };
    if (block.type === "section") push(block.accessory);
    else if (block.type === "input") push(block.element);
    else if (block.type === "actions" || block.type === "context_actions") {
      if (Array.isArray(block.elements)) for (const el of block.elements) push(el);
    }
  });
  return out;
}

/** All options of a select/radio/checkbox/overflow element (flattening option_groups). */
export function elementOptions(element: Obj): Obj[] {
  const out: Obj[] = [];
  if (Array.isArray(element.options)) {
    for (const o of element.options) if (isObj(o)) out.push(o);
  }
  if (Array.isArray(element.option_groups)) {
    for (const g of element.option_groups) {
      if (isObj(g) && Array.isArray(g.options)) {
        for (const o of g.options) if (isObj(o)) out.push(o);
      }
    }
  }
  return out;
}
