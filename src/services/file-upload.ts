import type { FilesGetUploadURLExternalArguments, WebClient } from "@slack/web-api";

/** A file Truce shares in a conversation: a chart or an export. */
export interface FileToShare {
  filename: string;
  title: string;
  bytes: Buffer;
  /** Read aloud by screen readers (images only); Slack takes at most 1,000 characters. */
  altText?: string;
  /** A line of text posted with the file. */
  comment?: string;
}

/**
 * Shares a file in a conversation the way Slack asks apps to upload now: reserve an upload URL
 * (files.getUploadURLExternal), send the bytes there (one POST, HTTP 200 when accepted), then
 * complete the upload into the channel (files.completeUploadExternal). Every step's failure is
 * thrown; the caller decides what the conversation still gets without the file.
 *
 * The client's own filesUploadV2 does the same three steps but names the alt text `alt_text`,
 * while the method documents `alt_txt`; this calls the documented method, with the client's
 * retries and error types, and posts the bytes with fetch.
 */
export async function shareFile(
  client: WebClient,
  channel: string,
  file: FileToShare,
  fetchFn: typeof fetch = fetch,
): Promise<{ fileId: string }> {
  const reserve = {
    filename: file.filename,
    length: file.bytes.length,
    ...(file.altText ? { alt_txt: file.altText } : {}),
  };
  const reserved = await client.files.getUploadURLExternal(
    reserve as unknown as FilesGetUploadURLExternalArguments,
  );
  const { upload_url: uploadUrl, file_id: fileId } = reserved;
  if (!uploadUrl || !fileId) throw new Error("Slack gave no upload URL for the file");
  const sent = await fetchFn(uploadUrl, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: new Uint8Array(file.bytes),
    redirect: "error",
  });
  // Drain the answer so the connection is free again; its text is not needed.
  await sent.arrayBuffer().catch(() => undefined);
  if (sent.status !== 200) throw new Error(`the file upload was refused (HTTP ${sent.status})`);
  await client.files.completeUploadExternal({
    files: [{ id: fileId, title: file.title }],
    channel_id: channel,
    ...(file.comment ? { initial_comment: file.comment } : {}),
  });
  return { fileId };
}
