/** Jenkins' HTML error pages and `Failure` responses (with `X-Error`). */
import { ServerResponse } from 'node:http';
import { Headers, sendText } from '../common/respond';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  500: 'Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function errorPage(
  res: ServerResponse,
  status: number,
  message?: string,
  headers?: Headers,
): void {
  const reason = REASONS[status] ?? 'Error';
  const body = `<html><head><title>Error ${status} ${esc(
    reason,
  )} (Jenkins simulator)</title></head><body><h2>HTTP ERROR ${status} ${esc(
    reason,
  )}</h2><p>${esc(
    message ?? reason,
  )}</p><p>Served by the Jenkins simulator, not a real Jenkins.</p></body></html>`;
  sendText(res, status, body, headers, 'text/html;charset=utf-8');
}

/**
 * `hudson.model.Failure`: 400 with the message in an `X-Error` header. Jetty
 * writes header values as ISO-8859-1 and replaces other characters with `?`,
 * so Jenkins' ‘…’ quotes arrive as `?…?` in the header (the HTML body keeps them).
 */
export function failure(
  res: ServerResponse,
  message: string,
  status = 400,
): void {
  errorPage(res, status, message, {
    'X-Error': message.replace(/[^\x20-\x7e]/g, '?'),
  });
}

export function htmlPage(
  res: ServerResponse,
  title: string,
  body: string,
): void {
  sendText(
    res,
    200,
    `<!doctype html><html><head><title>${esc(
      title,
    )} [Jenkins simulator]</title></head><body><h1>${esc(
      title,
    )}</h1>${body}<p>Jenkins simulator — not a real Jenkins.</p></body></html>`,
    undefined,
    'text/html;charset=utf-8',
  );
}
