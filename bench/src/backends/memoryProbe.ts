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

const write = (tag: string) =>
  process.stderr.write(`${tag} ${JSON.stringify(process.memoryUsage())}\n`);

const timer = setInterval(() => write('[bench-memory]'), 5_000);
timer.unref();

/**
 * Where the resident memory is, from /proc/self/smaps (MB): the V8 heap
 * (`heapTotal`) is anonymous memory too, so `anonymous - heapTotal` is
 * roughly what native code (malloc, sqlite, TLS, zlib) holds.
 */
function residentByKind(): Record<string, number> {
  const out: Record<string, number> = {};
  let kind = 'anonymous';
  try {
    for (const line of fs
      .readFileSync('/proc/self/smaps', 'utf8')
      .split('\n')) {
      const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
      if (header) {
        const where = header[1].trim();
        kind =
          where === ''
            ? 'anonymous'
            : where.startsWith('[')
            ? where
            : where.endsWith('.node')
            ? 'native addons'
            : 'files';
        continue;
      }
      const rss = /^Rss:\s+(\d+) kB/.exec(line);
      if (rss) out[kind] = (out[kind] ?? 0) + Number(rss[1]) / 1024;
    }
  } catch {
    return {};
  }
  for (const k of Object.keys(out)) out[k] = Math.round(out[k]);
  return out;
}

const collect = (globalThis as { gc?: () => void }).gc;
if (typeof collect === 'function') {
  process.on('SIGUSR2', () => {
    collect();
    write('[bench-memory-gc]');
    process.stderr.write(
      `[bench-memory-where] ${JSON.stringify(residentByKind())}\n`,
    );
  });
}
