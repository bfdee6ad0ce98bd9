/**
 * Preloaded into each benchmarked backend (`-r`): every 5 s one line
 * `[bench-memory] {"rss":…,"heapTotal":…,"heapUsed":…,"external":…,"arrayBuffers":…}`
 * (bytes, process.memoryUsage()) on stderr, so the benchmark can say where
 * the RSS goes. With `--expose-gc`, SIGUSR2 runs a full garbage collection
 * first and writes `[bench-memory-gc] {…}`: the live heap, without the
 * garbage V8 has not collected yet. The timer is unref'd; nothing here runs
 * on the request path.
 */
const write = (tag: string) =>
  process.stderr.write(`${tag} ${JSON.stringify(process.memoryUsage())}\n`);

const timer = setInterval(() => write('[bench-memory]'), 5_000);
timer.unref();

const collect = (globalThis as { gc?: () => void }).gc;
if (typeof collect === 'function') {
  process.on('SIGUSR2', () => {
    collect();
    write('[bench-memory-gc]');
  });
}

export {};
