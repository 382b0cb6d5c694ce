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

async function readOrUndefined(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Write all artifacts under `outDir`. Before anything is written, every
 * target is checked: one that exists with different contents stops the
 * run (unless `force`), so a refused run leaves no file changed.
 */
export async function writeArtifacts(
  outDir: string,
  artifacts: readonly Artifact[],
  { force = false }: { force?: boolean } = {},
): Promise<WriteResult> {
  const written: string[] = [];
  const unchanged: string[] = [];
  const pending: Artifact[] = [];

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

  // Then write each through a temporary file and an atomic rename.
  for (const a of pending) {
    const target = join(outDir, a.path);
    const temp = `${target}.${process.pid}.tmp`;
    await mkdir(dirname(target), { recursive: true });
    try {
      await writeFile(temp, a.data);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    written.push(a.path);
  }
  return { written, unchanged };
}
