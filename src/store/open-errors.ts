import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

/**
 * Turning a failure to open the database (or the key file beside it) into one line that names the
 * setting, the path and what to do: these are configuration mistakes, not crashes, so whoever
 * runs Truce should not have to read a SQLite error code or a stack trace.
 */

/** DATABASE_PATH, or the key file beside it, cannot be used as configured. */
export class StoragePathError extends Error {
  override name = "StoragePathError";
  constructor(
    readonly setting: "DATABASE_PATH" | "TRUCE_SECRET",
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Creates a folder and its missing parents one at a time. Node's recursive mkdirSync never returns
 * where a parent exists but refuses children with ENOENT (under /proc), which would hang start-up.
 */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); !existsSync(at); at = dirname(at)) {
    missing.push(at);
    if (dirname(at) === at) break;
  }
  for (const folder of missing.reverse()) mkdirSync(folder);
}

const errorCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
};

const isFolder = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The nearest existing ancestor of `path` when it is a regular file (nothing can live below it). */
function fileAbove(path: string): string | undefined {
  for (let at = dirname(resolve(path)); ; at = dirname(at)) {
    try {
      return statSync(at).isDirectory() ? undefined : at;
    } catch {
      if (dirname(at) === at) return undefined;
    }
  }
}

const CANNOT_WRITE = /^(SQLITE_READONLY|SQLITE_PERM|SQLITE_FULL|EACCES|EPERM|EROFS|ENOSPC)/;
const CANNOT_OPEN = /^(SQLITE_CANTOPEN|SQLITE_IOERR|ENOENT|ENOTDIR|EISDIR|EEXIST)/;

/** A relative path is shown with what it resolved to: the working directory is easy to misjudge. */
const shown = (path: string) => (isAbsolute(path) ? path : `${path}, i.e. ${resolve(path)}`);

/**
 * The StoragePathError for a failure opening the database at `path`, or undefined when the error
 * is not about the path (a bug should keep its stack trace).
 */
export function databasePathError(error: unknown, path: string): StoragePathError | undefined {
  const code = errorCode(error) ?? "";
  const setting = `DATABASE_PATH (${shown(path)})`;
  const elsewhere = "point DATABASE_PATH at a file in a folder Truce can create and write to";
  const fail = (message: string) => new StoragePathError("DATABASE_PATH", path, message);
  if (!CANNOT_WRITE.test(code) && !CANNOT_OPEN.test(code) && !/^SQLITE_(NOTADB|CORRUPT)/.test(code))
    return undefined;
  if (isFolder(path)) {
    return fail(
      `${setting} is a folder, not a database file: point DATABASE_PATH at a file inside it, such as ${join(path, "truce.db")}.`,
    );
  }
  const file = fileAbove(path);
  if (file) {
    return fail(`${setting} cannot be created: ${file} is a file, not a folder; ${elsewhere}.`);
  }
  if (code.startsWith("SQLITE_NOTADB")) {
    return fail(
      `${setting} is not a SQLite database: point DATABASE_PATH at a new file (Truce creates it), or restore the database from a backup.`,
    );
  }
  if (code.startsWith("SQLITE_CORRUPT")) {
    return fail(
      `${setting} is damaged: restore the database from a backup, or point DATABASE_PATH at a new file.`,
    );
  }
  if ((error as { syscall?: unknown }).syscall === "mkdir") {
    const folder = String((error as { path?: unknown }).path ?? dirname(path));
    return fail(
      `${setting} cannot be created: the folder ${folder} cannot be made (${code}); ${elsewhere}.`,
    );
  }
  if (CANNOT_WRITE.test(code)) {
    return fail(
      `${setting} cannot be written (${code}): let the user running Truce write to it and to ${dirname(resolve(path))}, or ${elsewhere}.`,
    );
  }
  return fail(`${setting} cannot be opened (${code}); ${elsewhere}.`);
}

/**
 * The StoragePathError for the generated key file beside the database (used while TRUCE_SECRET is
 * unset), or undefined when the error is not about the file.
 */
export function keyFileError(error: unknown, file: string): StoragePathError | undefined {
  if (error instanceof StoragePathError) return error;
  const code = errorCode(error) ?? "";
  const where = `TRUCE_SECRET is unset, so Truce keeps its key in ${file} beside DATABASE_PATH`;
  const orSet = "or set TRUCE_SECRET (16 characters or more)";
  const fail = (message: string) => new StoragePathError("TRUCE_SECRET", file, message);
  if (isFolder(file)) {
    return fail(`${where}, but that is a folder: remove it so Truce can create the key, ${orSet}.`);
  }
  if (CANNOT_WRITE.test(code)) {
    return fail(
      `${where}, but it cannot be read or written (${code}): let the user running Truce read and write it, ${orSet}.`,
    );
  }
  if (CANNOT_OPEN.test(code)) return fail(`${where}, but it cannot be used (${code}): ${orSet}.`);
  return undefined;
}

/** An empty key file would silently key every pseudonym with "", so it is refused. */
export function emptyKeyFileError(file: string): StoragePathError {
  return new StoragePathError(
    "TRUCE_SECRET",
    file,
    `TRUCE_SECRET is unset, so Truce keeps its key in ${file} beside DATABASE_PATH, but that file is empty: restore it from your backup of the database, delete it if no survey has run yet (a new key is generated), or set TRUCE_SECRET (16 characters or more).`,
  );
}
