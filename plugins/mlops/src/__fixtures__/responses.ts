/**
 * What a fake client answers: a jest mock that answers its calls in turn,
 * and the `ResponseError` the real clients throw for a failed backend answer.
 */
import { ResponseError } from '@backstage/errors';

/**
 * A mock answering each call with the next of `answers` (the last one
 * repeats; none: undefined); an Error is a rejection.
 */
export function answersInTurn<T>(
  answers: Array<T | Error>,
): jest.Mock<Promise<T>, unknown[]> {
  const mock: jest.Mock<Promise<T>, unknown[]> = jest.fn(() => {
    const answer =
      answers[Math.min(mock.mock.calls.length - 1, answers.length - 1)];
    return answer instanceof Error
      ? Promise.reject(answer)
      : Promise.resolve(answer);
  });
  return mock;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Our backend's health route of the test entity. */
export const HEALTH_URL =
  'http://127.0.0.1:7007/api/mlops/entities/component/default/fraud-detector/health';

/**
 * The error the real client throws for a backend answer of `status`, with
 * the body of the backend's error handler. `requestUrl` is the URL the body
 * names (default: `url`).
 */
export async function responseError(
  status: number,
  name: string,
  message: string,
  url: string = HEALTH_URL,
  requestUrl: string = url,
): Promise<ResponseError> {
  const body = {
    error: { name, message },
    request: { method: 'GET', url: requestUrl },
    response: { statusCode: status },
  };
  const headers = new Map([['content-type', 'application/json']]);
  return ResponseError.fromResponse({
    ok: false,
    status,
    statusText: STATUS_TEXT[status] ?? 'Error',
    redirected: false,
    type: 'basic',
    url,
    headers: {
      get: (h: string) => headers.get(h.toLowerCase()) ?? null,
    },
    text: async () => JSON.stringify(body),
  } as unknown as Parameters<typeof ResponseError.fromResponse>[0]);
}
