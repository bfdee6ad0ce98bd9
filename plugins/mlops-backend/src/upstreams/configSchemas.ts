import { z } from 'zod';

/** An http(s) base URL without credentials, query or fragment; one clear message per value. */
export function baseUrl(credentialsHint: string) {
  return z.string().superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a URL` });
      return;
    }
    if (!/^https?:$/.test(url.protocol))
      ctx.addIssue({ code: 'custom', message: 'must be http:// or https://' });
    else if (url.username || url.password)
      ctx.addIssue({
        code: 'custom',
        message: `must not contain credentials; use ${credentialsHint}`,
      });
    else if (url.search || url.hash || /[?#]/.test(value))
      ctx.addIssue({
        code: 'custom',
        message: 'must not contain a query or fragment',
      });
  });
}
