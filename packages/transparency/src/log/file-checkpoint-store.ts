import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CheckpointStore, RememberedCheckpoint } from './checkpoint-store.js';

/**
 * A {@link CheckpointStore} in a JSON file (e.g. `~/.blindbox/checkpoints.json`), replaced atomically
 * (write then rename) so that a crash never leaves a half-written store.
 */
export class FileCheckpointStore implements CheckpointStore {
  constructor(readonly path: string) {}

  async get(logKey: string): Promise<RememberedCheckpoint | undefined> {
    return (await this.load())[logKey];
  }

  async set(logKey: string, checkpoint: RememberedCheckpoint): Promise<void> {
    const all = await this.load();
    all[logKey] = checkpoint;
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o644 });
    await rename(tmp, this.path);
  }

  private async load(): Promise<Record<string, RememberedCheckpoint>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    return JSON.parse(text) as Record<string, RememberedCheckpoint>;
  }
}
