/**
 * `npm run demo`: the real bot (src/main.ts, as `npm start` runs it) against the local Slack
 * sandbox, with a temporary database and no network. A leader launches a round, 12 salespeople
 * and 8 marketers answer with seeded, realistically different views, the leader closes the round,
 * and the demo prints what people see in Slack. It ends with a Block Kit Builder link for each
 * surface and writes the chart PNGs to a folder it names.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SlackDriver } from "../sandbox/driver.js";
import { sandboxEnv } from "../sandbox/env.js";
import { startFakeSlack } from "../sandbox/fake-slack.js";
import { freePort } from "../sandbox/process.js";
import { renderBlocks } from "./render-blocks.js";
import { seededRandom } from "./seeded-random.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SIGNING_SECRET = "demo-signing-secret";
const LEADER = "U0DEMOLEAD";
const SALES = "C0DEMOSALE";
const MARKETING = "C0DEMOMKTG";

// How each side tends to see the 20 statements (1–5): Sales finds Marketing's material and
// presence in deals weak; Marketing finds Sales' feedback and forecasts unreliable.
const SALES_VIEW = [
  3.5, 2.5, 2.0, 2.2, 2.1, 3.8, 2.6, 3.0, 2.7, 2.9, 2.0, 2.2, 2.0, 2.4, 2.3, 3.2, 1.8, 1.9, 2.5,
  2.4,
];
const MARKETING_VIEW = [
  2.8, 2.0, 3.2, 3.4, 3.9, 2.1, 2.4, 3.1, 2.9, 2.5, 2.3, 2.0, 3.0, 2.8, 3.5, 2.7, 1.8, 2.0, 2.9,
  2.6,
];

const random = seededRandom(2006);
const noise = () => (random() + random() + random() - 1.5) * 1.2;
const ratingsFrom = (view: number[]) =>
  view.map((m) => String(Math.min(5, Math.max(1, Math.round(m + noise())))));

const people = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `U0${prefix}${String(i + 1).padStart(4, "0")}`);
const say = (line = "") => process.stdout.write(`${line}\n`);

/** A link that opens a payload in Slack's Block Kit Builder (the JSON rides in the fragment). */
function blockKitBuilderLink(payload: unknown): string {
  return `https://app.slack.com/block-kit-builder#${encodeURIComponent(JSON.stringify(payload))}`;
}

/** A stored modal as the Builder takes it: only the fields one writes, not Slack's own. */
function surveyView(view: Record<string, unknown> | undefined): unknown {
  if (!view) return {};
  const { type, title, submit, close, blocks } = view;
  return { type, title, submit, close, blocks };
}
const title = (text: string) => say(`\n\x1b[1;36m▌ ${text}\x1b[0m`);

async function waitForHealth(url: string, bot: ChildProcess): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (bot.exitCode !== null) throw new Error(`the bot exited with code ${bot.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the bot did not become healthy within 15 s");
}

async function main() {
  const sales = people("SAL", 12);
  const marketing = people("MKT", 8);
  const fake = await startFakeSlack({
    users: [
      { id: LEADER, name: "riley", realName: "Riley (VP Revenue)", tz: "Europe/London" },
      ...sales.map((id, i) => ({ id, name: `seller${i + 1}` })),
      ...marketing.map((id, i) => ({ id, name: `marketer${i + 1}` })),
    ],
    channels: [
      { id: SALES, name: "sales", members: [LEADER, ...sales] },
      { id: MARKETING, name: "marketing", members: [LEADER, ...marketing] },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), "truce-demo-"));
  const port = await freePort();
  const bot = spawn(join(root, "node_modules", ".bin", "tsx"), [join(root, "src", "main.ts")], {
    cwd: dir,
    env: {
      ...process.env,
      ...sandboxEnv(
        fake,
        {
          databasePath: join(dir, "truce.db"),
          signingSecret: SIGNING_SECRET,
          salesChannel: SALES,
          marketingChannel: MARKETING,
          leader: LEADER,
          port,
        },
        { SLACK_APP_TOKEN: "", LOG_LEVEL: "warn" },
      ),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  try {
    await waitForHealth(`http://127.0.0.1:${port}/healthz`, bot);
    const driver = new SlackDriver({
      appUrl: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      fake,
    });
    const render = (blocks: unknown[] | undefined) =>
      renderBlocks((blocks ?? []) as never[], "  ", (id) => fake.channel(id)?.name);
    const lastReply = (user: string) => {
      const reply = fake.responses.filter((r) => r.context.user === user).at(-1);
      return render(reply?.blocks);
    };

    title("Riley (a leader) runs  /alignment launch 7  in #sales");
    const before = fake.responses.length;
    await driver.command(LEADER, SALES, "launch 7");
    await fake.waitFor(() => fake.responses.length > before);
    say(lastReply(LEADER));

    const salesInvite = fake.messagesIn(SALES).at(-1);
    const marketingInvite = fake.messagesIn(MARKETING).at(-1);
    if (!salesInvite || !marketingInvite) throw new Error("the invitations were not posted");
    title("The invitation Truce posted in #sales and #marketing");
    say(render(salesInvite.blocks));

    title("12 salespeople and 8 marketers open the survey and answer");
    let slowest = 0;
    for (const [group, channel, ts, view] of [
      [sales, SALES, salesInvite.ts, SALES_VIEW],
      [marketing, MARKETING, marketingInvite.ts, MARKETING_VIEW],
    ] as const) {
      for (const user of group) {
        const modal = await driver.openModalFromMessage(user, channel, ts, "open_survey");
        const ratings = ratingsFrom(view);
        // Each person is in one team's channel, so the form knows their side and does not ask.
        const values = Object.fromEntries(ratings.map((r, i) => [`statement_${i + 1}`, r]));
        const result = await driver.submitView(user, modal.id, values);
        slowest = Math.max(slowest, result.ackMs);
      }
    }
    say(
      `  20 answers saved; slowest acknowledgement ${slowest.toFixed(0)} ms (Slack allows 3000 ms).`,
    );

    title("Anyone runs  /alignment status  while the round is open");
    await driver.command(sales[0] as string, SALES, "status");
    say(lastReply(sales[0] as string));

    title("Riley runs  /alignment close");
    await driver.command(LEADER, SALES, "close now");
    await fake.waitFor(
      () =>
        fake.responses.find((r) => r.context.user === LEADER && /Round closed/.test(r.text ?? "")),
      {
        timeoutMs: 10_000,
      },
    );
    say(lastReply(LEADER));

    title("What Truce posted in #sales and #marketing");
    say(render(fake.messagesIn(SALES).at(-1)?.blocks));

    title("The report Riley received by DM (the Full report button opens the tables)");
    const leaderReport = fake.dms(LEADER).at(-1);
    say(render(leaderReport?.blocks));

    // The charts follow the text in the background: wait for both conversations' uploads.
    const charts = await fake.waitFor(
      () => {
        const files = fake.filesIn(LEADER);
        return files.length > 0 && fake.filesIn(SALES).length > 0 ? files : undefined;
      },
      { timeoutMs: 20_000, message: "the charts were not shared" },
    );
    const chartDir = mkdtempSync(join(tmpdir(), "truce-demo-charts-"));
    title(`The charts, shared after the summary and the report, written to ${chartDir}`);
    for (const file of charts) {
      writeFileSync(join(chartDir, file.filename), file.bytes ?? Buffer.alloc(0));
      say(`  ${join(chartDir, file.filename)}  (${file.bytes?.length ?? 0} bytes)`);
      say(`    alt text: ${file.altText ?? ""}`);
    }

    title("Riley runs  /alignment digest  and opens Truce's Home tab");
    const beforeDigest = fake.responses.length;
    await driver.command(LEADER, SALES, "digest");
    await fake.waitFor(() => fake.responses.length > beforeDigest, { timeoutMs: 10_000 });
    const digest = fake.responses.at(-1);
    await driver.appHomeOpened(LEADER);
    const home = await fake.waitFor(() => fake.homeViews.get(LEADER), { timeoutMs: 10_000 });
    const survey = fake.viewsOf(sales[0] as string)[0]?.view;

    title("Each surface in Slack's Block Kit Builder (open a link to see it as Slack draws it)");
    const surfaces: [string, unknown][] = [
      ["Invitation", { blocks: salesInvite.blocks }],
      ["Survey", surveyView(survey)],
      ["Summary (channels)", { blocks: fake.messagesIn(SALES).at(-1)?.blocks }],
      ["Leader report (DM)", { blocks: leaderReport?.blocks }],
      ["Digest", { blocks: digest?.blocks }],
      ["Home", { type: "home", blocks: home.view.blocks }],
    ];
    for (const [name, payload] of surfaces) say(`  ${name}:\n  ${blockKitBuilderLink(payload)}\n`);

    const problems = fake.errors();
    title(
      problems.length === 0
        ? "Every Slack call passed the sandbox's checks of Slack's limits."
        : "Slack would have rejected:",
    );
    for (const p of problems) say(`  ${p.method}: ${p.error} ${(p.messages ?? []).join(" ")}`);
    if (problems.length > 0 || fake.warnings.length > 0) process.exitCode = 1;
  } finally {
    bot.kill("SIGTERM");
    await new Promise((r) => bot.once("exit", r));
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`Demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
