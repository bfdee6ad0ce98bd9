/**
 * Preloaded into each benchmarked backend (`-r`): every 5 s one line
 * `[bench-memory] {"rss":…,"heapTotal":…,"heapUsed":…,"external":…,"arrayBuffers":…}`
 * (bytes, process.memoryUsage()) on stderr, so the benchmark can say where
 * the RSS goes. With `--expose-gc`, SIGUSR2 runs a full garbage collection
 * first and writes `[bench-memory-gc] {…}`: the live heap, without the
 * garbage V8 has not collected yet. The timer is unref'd; nothing here runs
 * on the request path.
 */
import fs from 'node:fs';
import v8 from 'node:v8';

const write = (tag: string) =>
  process.stderr.write(`${tag} ${JSON.stringify(process.memoryUsage())}\n`);

const timer = setInterval(() => write('[bench-memory]'), 5_000);
timer.unref();

/** One mapping of /proc/self/smaps: its size (KB), permissions, what is mapped ('' = anonymous), resident MB. */
interface Mapping {
  kb: number;
  perms: string;
  where: string;
  rssMb: number;
}

/** The process's mappings, or none where /proc is not there. */
function mappings(): Mapping[] {
  const out: Mapping[] = [];
  let current: Mapping | undefined;
  try {
    for (const line of fs
      .readFileSync('/proc/self/smaps', 'utf8')
      .split('\n')) {
      const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(
        line,
      );
      if (header) {
        current = {
          kb: (parseInt(header[2], 16) - parseInt(header[1], 16)) / 1024,
          perms: header[3],
          where: header[4].trim(),
          rssMb: 0,
        };
        out.push(current);
        continue;
      }
      const rss = /^Rss:\s+(\d+) kB/.exec(line);
      if (rss && current) current.rssMb += Number(rss[1]) / 1024;
    }
  } catch {
    return [];
  }
  return out;
}

/**
 * Where the resident memory is (MB): the V8 heap (`heapTotal`) is anonymous
 * memory too, so `anonymous - heapTotal` is roughly what native code
 * (malloc, sqlite, TLS, zlib) holds.
 */
function residentByKind(all: Mapping[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { where, rssMb } of all) {
    const kind =
      where === ''
        ? 'anonymous'
        : where.startsWith('[')
        ? where
        : where.endsWith('.node')
        ? 'native addons'
        : 'files';
    out[kind] = (out[kind] ?? 0) + rssMb;
  }
  for (const k of Object.keys(out)) out[k] = Math.round(out[k]);
  return out;
}

/** V8's heap spaces, committed / used (MB). */
function heapSpaces(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const space of v8.getHeapSpaceStatistics()) {
    out[space.space_name] = `${Math.round(
      space.space_size / 1048576,
    )}/${Math.round(space.space_used_size / 1048576)}`;
  }
  return out;
}

/**
 * Anonymous resident memory by mapping size and permissions, the 16 largest
 * groups: `perms size×count: rss` (sizes in KB, rss in MB). glibc's thread
 * arenas are 64 MB reservations; V8's pages are 256 KB mappings that the
 * kernel merges when adjacent.
 */
function anonymousBySize(all: Mapping[]): string[] {
  const groups = new Map<string, { count: number; rss: number }>();
  for (const { kb, perms, where, rssMb } of all) {
    if (where !== '') continue;
    const key = `${perms} ${kb}`;
    const group = groups.get(key) ?? { count: 0, rss: 0 };
    group.count += 1;
    group.rss += rssMb;
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort((a, b) => b[1].rss - a[1].rss)
    .slice(0, 16)
    .map(([k, g]) => `${k}x${g.count}: ${Math.round(g.rss)}`);
}

const collect = (globalThis as { gc?: () => void }).gc;
if (typeof collect === 'function') {
  process.on('SIGUSR2', () => {
    collect();
    write('[bench-memory-gc]');
    const all = mappings();
    process.stderr.write(
      `[bench-memory-where] ${JSON.stringify(residentByKind(all))}\n`,
    );
    process.stderr.write(
      `[bench-memory-spaces] ${JSON.stringify(heapSpaces())}\n`,
    );
    process.stderr.write(
      `[bench-memory-anon] ${JSON.stringify(anonymousBySize(all))}\n`,
    );
  });
}
