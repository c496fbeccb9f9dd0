/**
 * Checkpoint files for map and stream calls (`pool.with({ checkpoint: path })`): an 8-byte magic, then
 * self-delimiting records `[u32 length][u32 crc32][type][payload]` (little-endian; length and checksum cover
 * type + payload). Type 'H' is the header (JSON fingerprint: call, method, seed, key, count), 'R' the results of
 * consecutive tasks (`v8.serialize([base, results])`), 'E' the end of a stream's input (JSON `{ count }`).
 * Records are only appended, each with one write(2), so a killed host leaves at most a torn last record, which
 * is detected (short or failing its checksum at the end of the file) and cut off. A bad record with others after
 * it is damage, not a torn write: refused, and the file is left as it is. Why this format: docs/design.md.
 * Node only: loaded on demand, through process.getBuiltinModule, so browsers never see it.
 */
import { nodeBuiltin } from '../platform/platform.ts';
import { CheckpointError } from './checkpoint-error.ts';
import type { StreamRecorder } from './stream.ts';

const MAGIC = 'OPPCKPT1';
const HEADER = 0x48; // 'H'
const RESULTS = 0x52; // 'R'
const END = 0x45; // 'E'
/** Written results reach the disk (fdatasync) at least this often, and when the call ends. */
const SYNC_EVERY_MS = 1000;

export interface Fingerprint {
  call: 'map' | 'stream';
  method: string;
  seed: number;
  key: number;
  /** A map's task count; null for a stream (its count is recorded when its input ends). */
  count: number | null;
}


type Fs = typeof import('node:fs');

/** Reads what an earlier run recorded (cutting off a torn last record) and opens the file for appending. */
export async function openCheckpoint(target: string | URL, fingerprint: Fingerprint, settleAll = false): Promise<StreamRecorder> {
  const fs = nodeBuiltin<Fs>('node:fs');
  const v8 = nodeBuiltin<typeof import('node:v8')>('node:v8');
  const zlib = nodeBuiltin<typeof import('node:zlib')>('node:zlib');
  const path = target instanceof URL ? nodeBuiltin<typeof import('node:url')>('node:url').fileURLToPath(target) : target;
  let data: Buffer | undefined;
  try {
    data = fs.readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CheckpointError('io', path, `cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const { header, stored, endCount, goodLength: parsedLength } = parseCheckpoint(data, path);
  let goodLength = parsedLength;
  const hasHeader = header !== undefined;
  if (header) checkFingerprint(path, header, fingerprint);
  if (fingerprint.count !== null) {
    for (const index of stored.keys()) {
      if (index >= fingerprint.count) throw new CheckpointError('mismatch', path, `it holds task ${index} but this call has ${fingerprint.count} tasks`);
    }
  }
  let fd: number;
  try {
    fd = fs.openSync(path, data ? 'r+' : 'w+');
    if (data && goodLength < data.length) fs.ftruncateSync(fd, goodLength);
    if (!hasHeader) {
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, Buffer.from(MAGIC, 'latin1'), 0, MAGIC.length, 0);
      goodLength = MAGIC.length;
    }
  } catch (error) {
    throw new CheckpointError('io', path, `cannot be opened for writing: ${(error as Error).message}`, { cause: error });
  }
  let position = goodLength;
  let syncedAt = performance.now();
  let closed = false;
  const append = (type: number, payload: Uint8Array) => {
    const record = Buffer.allocUnsafe(9 + payload.length);
    record.writeUInt32LE(payload.length + 1, 0);
    record[8] = type;
    record.set(payload, 9);
    record.writeUInt32LE(zlib.crc32(record.subarray(8)), 4);
    // One write per record: a crash can only cut the last one short.
    fs.writeSync(fd, record, 0, record.length, position);
    position += record.length;
    if (performance.now() - syncedAt > SYNC_EVERY_MS) {
      fs.fdatasyncSync(fd);
      syncedAt = performance.now();
    }
  };
  if (!hasHeader) {
    append(HEADER, Buffer.from(JSON.stringify(fingerprint), 'utf8'));
    fs.fdatasyncSync(fd);
  }

  const recordEach = (first: number, values: ArrayLike<unknown>) => {
    let failed: { index: number; error: unknown } | undefined;
    Array.prototype.forEach.call(values, (value: unknown, i: number) => {
      try {
        append(RESULTS, v8.serialize([first + i, [value]]));
      } catch (error) {
        failed ??= { index: first + i, error };
      }
    });
    if (failed) {
      const { index, error } = failed;
      throw new CheckpointError('unstorable', path, `the result of task ${index} cannot be stored (${(error as Error).message}); checkpointed calls must return data v8.serialize accepts (structured-cloneable, no shared memory)`, { cause: error });
    }
  };

  return {
    has: (index) => stored.has(index),
    // Values are stored bare, so that a rerun with or without settle: 'all' reads the same file.
    get: (index) => (settleAll ? { status: 'fulfilled', value: stored.get(index) } : stored.get(index)),
    record(base, results) {
      if (closed) return;
      // Runs of fulfilled results (with settle: 'all', failed tasks are not stored: a rerun tries them again).
      let start = 0;
      while (start < results.length) {
        if (isRejected(results[start])) {
          start++;
          continue;
        }
        let end = start + 1;
        while (end < results.length && !isRejected(results[end])) end++;
        const run = results.slice(start, end);
        // settle: 'all' results are objects, so never a Float64Array.
        const values = settleAll ? (run as unknown[]).map((r) => (r as PromiseFulfilledResult<unknown>).value) : run;
        let payload: Uint8Array | undefined;
        try {
          payload = v8.serialize([base + start, values]);
        } catch {
          // Keep every result that can be stored, one record each, then name the first that cannot.
          recordEach(base + start, values);
        }
        if (payload) append(RESULTS, payload);
        start = end;
      }
    },
    end(count) {
      if (endCount !== null && endCount !== count) {
        throw new CheckpointError('mismatch', path, `the earlier run's input had ${endCount} items, this one has ${count}`);
      }
      for (const index of stored.keys()) {
        if (index >= count) throw new CheckpointError('mismatch', path, `it holds task ${index} but this call's input has ${count} items`);
      }
      if (endCount === null && !closed) append(END, Buffer.from(JSON.stringify({ count }), 'utf8'));
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        fs.fdatasyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

/** What a checkpoint file holds: its header, the stored results by task index, and where its intact part ends. */
export interface CheckpointContents {
  header: Fingerprint | undefined;
  stored: Map<number, unknown>;
  endCount: number | null;
  /** Bytes up to the end of the last intact record; beyond it, a torn record (cut off when the file is reopened). */
  goodLength: number;
}

/** Reads a checkpoint file without changing it (a torn last record is reported by `goodLength`, not cut). */
export function readCheckpoint(path: string): CheckpointContents {
  return parseCheckpoint(nodeBuiltin<Fs>('node:fs').readFileSync(path), path);
}

function parseCheckpoint(data: Buffer | undefined, path: string): CheckpointContents {
  const v8 = nodeBuiltin<typeof import('node:v8')>('node:v8');
  const zlib = nodeBuiltin<typeof import('node:zlib')>('node:zlib');
  const stored = new Map<number, unknown>();
  let endCount: number | null = null;
  let header: Fingerprint | undefined;
  let goodLength = 0;
  if (!data || data.length === 0) return { header, stored, endCount, goodLength };
  if (data.length < MAGIC.length ? data.toString('latin1') !== MAGIC.slice(0, data.length) : data.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new CheckpointError('not-a-checkpoint', path, `is not an objectproxypool checkpoint (it does not start with ${MAGIC}); choose another path or remove the file`);
  }
  let offset = MAGIC.length;
  goodLength = Math.min(offset, data.length);
  while (offset < data.length) {
    const torn = data.length - offset < 8 || offset + 8 + data.readUInt32LE(offset) > data.length;
    if (torn) break; // the last write was cut short: everything before it stands
    const length = data.readUInt32LE(offset);
    const body = data.subarray(offset + 8, offset + 8 + length);
    if (length === 0 || zlib.crc32(body) !== data.readUInt32LE(offset + 4)) {
      if (offset + 8 + length === data.length) break; // a torn last record that happens to have its full length
      throw new CheckpointError('corrupt', path, `the record at byte ${offset} fails its checksum and records follow it: the file is damaged (not a write cut short by a crash); it was left as it is`);
    }
    const type = body[0];
    const payload = body.subarray(1);
    if (!header) {
      if (type !== HEADER) throw new CheckpointError('corrupt', path, 'its first record is not a header');
      header = JSON.parse(payload.toString('utf8')) as Fingerprint;
    } else if (type === RESULTS) {
      const [base, results] = v8.deserialize(payload) as [number, unknown[]];
      for (let i = 0; i < results.length; i++) stored.set(base + i, results[i]);
    } else if (type === END) {
      endCount = (JSON.parse(payload.toString('utf8')) as { count: number }).count;
    } else {
      throw new CheckpointError('corrupt', path, `the record at byte ${offset} has an unknown type ${type}`);
    }
    offset += 8 + length;
    goodLength = offset;
  }
  return { header, stored, endCount, goodLength };
}

function isRejected(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as PromiseSettledResult<unknown>).status === 'rejected';
}

function checkFingerprint(path: string, found: Fingerprint, wanted: Fingerprint): void {
  const differences: string[] = [];
  for (const field of ['call', 'method', 'seed', 'key', 'count'] as const) {
    if (found[field] !== wanted[field]) differences.push(`${field} ${JSON.stringify(found[field])} there, ${JSON.stringify(wanted[field])} here`);
  }
  if (differences.length > 0) {
    throw new CheckpointError(
      'mismatch',
      path,
      `it was written by another call (${differences.join('; ')}); use another path, remove the file, or repeat that call ` +
        '(same pool seed, same key — pin it with pool.with({ key }) — same method and input)',
    );
  }
}
