/**
 * Writing outputs safely: every file goes to a temporary name and is
 * renamed into place, and an existing file with other contents is never
 * replaced unless the user asked for it.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Artifact } from '../core/build.js';

/** What happened to each file. */
export interface WriteResult {
  readonly written: string[];
  /** Files that already held exactly these bytes. */
  readonly unchanged: string[];
}

/** One line on a failed file operation, naming the path and the cause. */
function ioError(what: string, path: string, err: unknown): UsageError {
  const e = err as NodeJS.ErrnoException;
  const cause: Record<string, string> = {
    ENOTDIR: 'a part of the path is a file, not a folder',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EISDIR: 'it is a folder',
  };
  const why = (e.code && cause[e.code]) ?? e.message?.split('\n')[0] ?? String(err);
  return new UsageError(`cannot ${what} ${path}: ${why}${e.code ? ` (${e.code})` : ''}`);
}

async function readOrUndefined(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError('read', path, err);
  }
}

/**
 * Write all artifacts under `outDir`. Before anything is written, every
 * target is checked: one that exists with different contents stops the
 * run (unless `force`), so a refused run leaves no file changed. Then every
 * file is written to a temporary name, and only when all of them are
 * there are they renamed into place; a failure removes the temporary
 * files and the folders made for them, and names the path and the cause.
 */
export async function writeArtifacts(
  outDir: string,
  artifacts: readonly Artifact[],
  { force = false }: { force?: boolean } = {},
): Promise<WriteResult> {
  const unchanged: string[] = [];
  const pending: { path: string; data: Buffer }[] = [];

  // Check every target first.
  for (const a of artifacts) {
    const data = typeof a.data === 'string' ? Buffer.from(a.data) : a.data;
    const old = await readOrUndefined(join(outDir, a.path));
    if (old && old.equals(data)) {
      unchanged.push(a.path);
    } else if (old && !force) {
      throw new UsageError(
        `${join(outDir, a.path)} exists with different contents; ` +
          'move it away or pass --force to overwrite it',
      );
    } else {
      pending.push({ path: a.path, data });
    }
  }

  // Every file to a temporary name first, then every rename.
  const temps: string[] = [];
  const made: string[] = [];
  const undo = async () => {
    for (const t of temps) await rm(t, { force: true });
    for (const d of made.reverse()) await rm(d, { recursive: true, force: true });
  };
  let step = 'write';
  let at = outDir;
  try {
    for (const a of pending) {
      at = join(outDir, a.path);
      step = 'make the folder for';
      const first = await mkdir(dirname(at), { recursive: true });
      if (first !== undefined) made.push(first);
      step = 'write';
      const temp = `${at}.${process.pid}.tmp`;
      temps.push(temp);
      await writeFile(temp, a.data);
    }
    step = 'write';
    for (const a of pending) {
      at = join(outDir, a.path);
      await rename(`${at}.${process.pid}.tmp`, at);
    }
  } catch (err) {
    await undo();
    throw ioError(step, at, err);
  }
  return { written: pending.map((a) => a.path), unchanged };
}
