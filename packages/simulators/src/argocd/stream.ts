/**
 * `GET /api/v1/stream/applications` as argoproj/pkg's stream forwarder writes
 * it: with exactly `Accept: text/event-stream` each event is
 * `data: {"result":{…}} \n\n` followed by the `\n` delimiter, and `:\n`
 * keep-alives; otherwise newline-delimited JSON. Identical repeats per app name
 * are suppressed. The filter follows `Server.Watch`/`isApplicationPermitted`:
 * `appNamespace` only matters together with `name`.
 */
import { ServerResponse } from 'node:http';
import { compareStrings } from '../common/compare';
import { SimRequest } from '../common/server';
import { ArgoContext, allowed, requireSession } from './context';
import { ArgoError, GrpcCode } from './errors';
import { FieldSelection, filterMessage, parseFields } from './fields';
import { parseLabelSelector } from './selector';
import { ArgoApplication, WatchEvent } from './types';

export function streamApplications(
  ctx: ArgoContext,
  req: SimRequest,
  res: ServerResponse,
): void {
  const session = requireSession(ctx, req, res);
  const q = req.query;
  let selector;
  try {
    selector = parseLabelSelector(q.get('selector') ?? '');
  } catch (e) {
    throw new ArgoError(
      GrpcCode.Unknown,
      `error parsing the selector: ${(e as Error).message}`,
    );
  }
  const rvParam = q.get('resourceVersion') ?? '';
  let minVersion = 0;
  if (rvParam !== '') {
    minVersion = Number.parseInt(rvParam, 10);
    if (Number.isNaN(minVersion)) {
      throw new ArgoError(
        GrpcCode.Unknown,
        `invalid resource version ${rvParam}: strconv.Atoi: parsing "${rvParam}": invalid syntax`,
      );
    }
  }
  const name = q.get('name') ?? '';
  const appNs = ctx.store.namespaceOrDefault(q.get('appNamespace'));
  const projects = new Set([...q.getAll('projects'), ...q.getAll('project')]);
  const fields: FieldSelection | undefined = parseFields(q);
  const isSSE = req.header('accept') === 'text/event-stream';

  const permitted = (a: ArgoApplication) => {
    if (projects.size > 0 && !projects.has(a.spec.project || 'default'))
      return false;
    const v = Number.parseInt(a.metadata.resourceVersion ?? '', 10);
    if (!Number.isNaN(v) && v < minVersion) return false;
    if (name && !(a.metadata.name === name && a.metadata.namespace === appNs))
      return false;
    if (!selector(a.metadata.labels)) return false;
    if (!ctx.store.isNamespaceEnabled(a.metadata.namespace ?? '')) return false;
    return allowed(
      ctx,
      session,
      'get',
      a.spec.project,
      a.metadata.namespace ?? '',
      a.metadata.name,
    );
  };

  res.statusCode = 200;
  if (isSSE) {
    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('X-Content-Type-Options', 'nosniff');
  } else {
    res.setHeader('Content-Type', 'application/json');
  }
  res.flushHeaders();

  const lastByKey = new Map<string, string>();
  const send = (event: WatchEvent) => {
    if (!permitted(event.application)) return;
    let message: Record<string, unknown> = { result: event };
    if (fields && fields.fields.size > 0) {
      // events are shared between watchers: filter a copy
      message = JSON.parse(JSON.stringify(message));
      filterMessage(message, fields);
    }
    const json = JSON.stringify(message);
    const data = isSSE ? `data: ${json} \n\n` : json;
    const key = event.application.metadata.name;
    if (lastByKey.get(key) === data) return;
    lastByKey.set(key, data);
    res.write(`${data}\n`);
  };

  if (rvParam === '' || name !== '') {
    const apps = ctx.store
      .all()
      .slice()
      .sort((a, b) => {
        const qa = `${a.metadata.namespace}/${a.metadata.name}`;
        const qb = `${b.metadata.namespace}/${b.metadata.name}`;
        return compareStrings(qa, qb);
      });
    for (const a of apps)
      send({ type: 'ADDED', application: ctx.store.render(a, 'get') });
  }
  const unsubscribe = ctx.store.subscribe(send);
  const stopKeepAlive = isSSE
    ? ctx.timers.every(ctx.keepAliveMs, () => res.write(':\n'))
    : () => {};
  res.on('close', () => {
    unsubscribe();
    stopKeepAlive();
  });
}
