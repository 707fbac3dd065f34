import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveSecret } from "../../src/store/keys.js";
import { databasePathError, StoragePathError } from "../../src/store/open-errors.js";
import { openDatabase } from "../../src/store/sqlite/db.js";

const dir = mkdtempSync(join(tmpdir(), "truce-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TO_FIX = "point DATABASE_PATH at a file in a folder Truce can create and write to.";

/** The error openDatabase throws for `path` (tests run as root, so permissions cannot be used). */
function openError(path: string): StoragePathError {
  try {
    openDatabase(path).close();
  } catch (error) {
    if (error instanceof StoragePathError) return error;
    throw error;
  }
  throw new Error(`${path} opened`);
}

describe("openDatabase on a DATABASE_PATH that cannot hold the database", () => {
  it("a folder", () => {
    const folder = join(dir, "folder");
    mkdirSync(folder);
    const error = openError(folder);
    expect(error.setting).toBe("DATABASE_PATH");
    expect(error.path).toBe(folder);
    expect(error.message).toBe(
      `DATABASE_PATH (${folder}) is a folder, not a database file: point DATABASE_PATH at a file inside it, such as ${folder}/truce.db.`,
    );
  });

  it("a file that is not a database", () => {
    const file = join(dir, "garbage.db");
    writeFileSync(file, "not a database ".repeat(20));
    expect(openError(file).message).toBe(
      `DATABASE_PATH (${file}) is not a SQLite database: point DATABASE_PATH at a new file (Truce creates it), or restore the database from a backup.`,
    );
  });

  it("below a regular file, directly or further down", () => {
    const file = join(dir, "plain");
    writeFileSync(file, "x");
    for (const path of [join(file, "t.db"), join(file, "sub", "t.db")]) {
      expect(openError(path).message).toBe(
        `DATABASE_PATH (${path}) cannot be created: ${file} is a file, not a folder; ${TO_FIX}`,
      );
    }
  });

  it.runIf(existsSync("/proc/self"))("under /proc, without hanging on the folder", () => {
    expect(openError("/proc/truce-test/t.db").message).toBe(
      `DATABASE_PATH (/proc/truce-test/t.db) cannot be created: the folder /proc/truce-test cannot be made (ENOENT); ${TO_FIX}`,
    );
    expect(openError("/proc/truce-test.db").message).toBe(
      `DATABASE_PATH (/proc/truce-test.db) cannot be opened (SQLITE_CANTOPEN); ${TO_FIX}`,
    );
  });

  it("shows what a relative path resolved to", () => {
    const file = join(dir, "plain-rel");
    writeFileSync(file, "x");
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(openError("plain-rel/t.db").message).toBe(
        `DATABASE_PATH (plain-rel/t.db, i.e. ${file}/t.db) cannot be created: ${file} is a file, not a folder; ${TO_FIX}`,
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it("still opens a good path, creating its folders", () => {
    const path = join(dir, "a", "b", "t.db");
    openDatabase(path).close();
    expect(existsSync(path)).toBe(true);
  });
});

describe("databasePathError", () => {
  const path = join(dir, "ok", "t.db");
  mkdirSync(join(dir, "ok"), { recursive: true });

  it("reads a read-only database or folder as a permission to grant", () => {
    for (const code of ["SQLITE_READONLY", "SQLITE_READONLY_DIRECTORY", "EACCES", "EROFS"]) {
      expect(databasePathError(Object.assign(new Error("x"), { code }), path)?.message).toBe(
        `DATABASE_PATH (${path}) cannot be written (${code}): let the user running Truce write to it and to ${dir}/ok, or ${TO_FIX}`,
      );
    }
  });

  it("leaves errors that are not about the path alone", () => {
    expect(databasePathError(new Error("bug"), path)).toBeUndefined();
    expect(
      databasePathError(Object.assign(new Error("x"), { code: "SQLITE_ERROR" }), path),
    ).toBeUndefined();
  });
});

describe("resolveSecret's key file beside the database", () => {
  it("refuses a folder in its place", () => {
    const db = join(dir, "keyfolder", "t.db");
    mkdirSync(join(dir, "keyfolder", "truce.key"), { recursive: true });
    expect(() => resolveSecret(undefined, db)).toThrow(
      new StoragePathError(
        "TRUCE_SECRET",
        join(dir, "keyfolder", "truce.key"),
        `TRUCE_SECRET is unset, so Truce keeps its key in ${dir}/keyfolder/truce.key beside DATABASE_PATH, but that is a folder: remove it so Truce can create the key, or set TRUCE_SECRET (16 characters or more).`,
      ),
    );
  });

  it("refuses an empty key file rather than keying pseudonyms with nothing", () => {
    mkdirSync(join(dir, "keyempty"));
    writeFileSync(join(dir, "keyempty", "truce.key"), "\n");
    expect(() => resolveSecret(undefined, join(dir, "keyempty", "t.db"))).toThrow(
      `TRUCE_SECRET is unset, so Truce keeps its key in ${dir}/keyempty/truce.key beside DATABASE_PATH, but that file is empty: restore it from your backup of the database, delete it if no survey has run yet (a new key is generated), or set TRUCE_SECRET (16 characters or more).`,
    );
  });

  it("generates the key once and reads it back", () => {
    const db = join(dir, "keygood", "t.db");
    const secret = resolveSecret(undefined, db);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(resolveSecret(undefined, db)).toBe(secret);
    expect(resolveSecret("configured-secret-1234", join(dir, "plain", "t.db"))).toBe(
      "configured-secret-1234",
    );
  });
});
