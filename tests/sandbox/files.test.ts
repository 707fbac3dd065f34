import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeSlack } from "../../sandbox/fake-slack.js";
import { shareFile } from "../../src/services/file-upload.js";
import { startWorkspace, T0, webClient } from "./helpers.js";

let fake: FakeSlack;
beforeEach(async () => {
  fake = await startWorkspace(() => T0);
});
afterEach(async () => {
  await fake.close();
});

const bytes = Buffer.from("a,b\n1,2\n");

describe("files.getUploadURLExternal, the upload URL and files.completeUploadExternal", () => {
  it("shares a file in three steps, the bytes and the alt text kept", async () => {
    const client = webClient(fake);
    const { fileId } = await shareFile(client, "C1", {
      filename: "x.csv",
      title: "Export",
      bytes,
      altText: "a table",
      comment: "Here it is",
    });
    const [file] = fake.filesIn("C1");
    expect(file).toMatchObject({
      id: fileId,
      filename: "x.csv",
      title: "Export",
      length: bytes.length,
      altText: "a table",
      initialComment: "Here it is",
      completed: true,
      channel: "C1",
    });
    expect(file?.bytes?.equals(bytes)).toBe(true);
    expect(fake.errors()).toEqual([]);
  });

  it("refuses what Slack refuses when reserving", async () => {
    const client = webClient(fake);
    const code = (args: Record<string, unknown>) =>
      client
        .apiCall("files.getUploadURLExternal", args)
        .then(() => "ok")
        .catch((e: { data?: { error?: string } }) => e.data?.error);
    expect(await code({ length: 3 })).toBe("invalid_arguments");
    expect(await code({ filename: "x" })).toBe("invalid_arguments");
    expect(await code({ filename: "x", length: 0 })).toBe("missing_argument");
    expect(await code({ filename: "x", length: 3, alt_txt: "a".repeat(1001) })).toBe(
      "alt_txt_too_large",
    );
    expect(await code({ filename: "x", length: 3, alt_txt: "a".repeat(1000) })).toBe("ok");
  });

  it("takes the bytes raw or as multipart form data, once, and only of the reserved length", async () => {
    const client = webClient(fake);
    const reserve = async () => {
      const r = await client.files.getUploadURLExternal({
        filename: "x.csv",
        length: bytes.length,
      });
      return { url: r.upload_url as string, id: r.file_id as string };
    };
    const raw = await reserve();
    expect((await fetch(raw.url, { method: "POST", body: bytes })).status).toBe(200);
    // Spent: a second upload to the same URL is refused.
    expect((await fetch(raw.url, { method: "POST", body: bytes })).status).toBe(404);

    const multipart = await reserve();
    const form = new FormData();
    form.append("filename", new Blob([new Uint8Array(bytes)]), "x.csv");
    const sent = await fetch(multipart.url, { method: "POST", body: form });
    expect(await sent.text()).toBe(`OK - ${bytes.length}`);
    expect(fake.files.find((f) => f.id === multipart.id)?.bytes?.equals(bytes)).toBe(true);

    const short = await reserve();
    const wrong = await fetch(short.url, { method: "POST", body: bytes.subarray(1) });
    expect(wrong.status).toBe(400);
    expect(fake.errors().map((e) => e.error)).toEqual(["upload_url_not_found", "length_mismatch"]);
  });

  it("completes a file once, only after its bytes arrived, only where the bot is", async () => {
    const client = webClient(fake);
    const code = (args: Record<string, unknown>) =>
      client
        .apiCall("files.completeUploadExternal", args)
        .then(() => "ok")
        .catch((e: { data?: { error?: string } }) => e.data?.error);
    const reserved = await client.files.getUploadURLExternal({ filename: "x", length: 3 });
    const id = reserved.file_id as string;
    expect(await code({ files: [{ id }], channel_id: "C1" })).toBe("file_not_found");
    await fetch(reserved.upload_url as string, { method: "POST", body: "abc" });
    expect(await code({ files: [] })).toBe("invalid_arguments");
    expect(await code({ files: [{ id: "F0NOPE" }], channel_id: "C1" })).toBe("file_not_found");
    expect(await code({ files: [{ id }], channel_id: "C2" })).toBe("not_in_channel");
    expect(await code({ files: [{ id }], channel_id: "G1" })).toBe("channel_not_found");
    expect(await code({ files: [{ id }], channel_id: "U1" })).toBe("channel_not_found");
    expect(await code({ files: JSON.stringify([{ id, title: "T" }]), channel_id: "C1" })).toBe(
      "ok",
    );
    expect(await code({ files: [{ id }], channel_id: "C1" })).toBe("file_not_found");
    expect(fake.filesIn("C1").map((f) => f.title)).toEqual(["T"]);
  });

  it("needs files:write for both methods", async () => {
    fake.setScopes(["chat:write"]);
    const client = webClient(fake);
    await expect(
      client.files.getUploadURLExternal({ filename: "x", length: 3 }),
    ).rejects.toMatchObject({ data: { error: "missing_scope", needed: "files:write" } });
  });

  it("can be made to refuse an upload (failNext on files.upload)", async () => {
    fake.failNext("files.upload", { status: 503 });
    await expect(
      shareFile(webClient(fake), "C1", { filename: "x", title: "x", bytes }),
    ).rejects.toThrow("the file upload was refused (HTTP 503)");
    expect(fake.filesIn("C1")).toEqual([]);
  });
});
