/**
 * Console output of the Jenkins simulator's builds: `consoleText` and
 * `logText/progressiveText` (`start` byte offset; `X-Text-Size` is the next
 * offset; `X-More-Data: true` while the build runs; a `start` beyond the end
 * starts over, as `LargeText.doProgressText`).
 */
import { ServerResponse } from 'node:http';
import { sendText } from '../common/respond';
import { JenkinsBuild } from './state';

export function consoleText(build: JenkinsBuild): string {
  const causes = build.causes.map(c => c.shortDescription);
  if (build.log) {
    const end = build.building ? [] : [`Finished: ${build.result}`];
    return `${[...causes, ...build.log, ...end].join('\n')}\n`;
  }
  const lines = [
    ...causes,
    ...build.stages.map(s => `[Pipeline] stage (${s.name})`),
    build.building ? '' : `Finished: ${build.result}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function sendProgressiveText(
  res: ServerResponse,
  build: JenkinsBuild,
  startParam: string | null,
): void {
  const text = Buffer.from(consoleText(build), 'utf8');
  let start = Number.parseInt(startParam ?? '0', 10);
  if (!Number.isFinite(start) || start < 0 || start > text.length) start = 0;
  const headers: Record<string, string> = {
    'X-Text-Size': String(text.length),
  };
  if (build.building) headers['X-More-Data'] = 'true';
  sendText(
    res,
    200,
    text.subarray(start).toString('utf8'),
    headers,
    'text/plain;charset=UTF-8',
  );
}
