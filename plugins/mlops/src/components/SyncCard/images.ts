/**
 * Compares the images an Argo CD application runs (`status.summary.images`)
 * with the images its GitOps source asks for (`kustomize.images`, Helm
 * `image.tag` parameters).
 */

/** Name and tag (or digest) of an image reference; kustomize's `old=new:tag` names what is deployed after `=`. */
export function splitImage(ref: string): {
  name: string;
  tagOrDigest?: string;
} {
  const deployed = ref.includes('=') ? ref.slice(ref.indexOf('=') + 1) : ref;
  const at = deployed.indexOf('@');
  const named = at >= 0 ? deployed.slice(0, at) : deployed;
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const name = hasTag ? named.slice(0, colon) : named;
  if (at >= 0) return { name, tagOrDigest: deployed.slice(at + 1) };
  return hasTag ? { name, tagOrDigest: named.slice(colon + 1) } : { name };
}

/** `ml/app` and `127.0.0.1:5000/ml/app` name the same image; an empty name (Helm `:tag`) names any. */
function sameName(a: string, b: string): boolean {
  if (!a || !b) return true;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

const isDigest = (v: string) => /^sha256:/i.test(v);

/** One desired image the application does not run. */
export interface ImageDrift {
  /** As the GitOps source writes it (the deployed side of `old=new:tag`). */
  desired: string;
  /** Running images of the same name (empty: none runs). */
  running: string[];
}

/**
 * The desired images the application does not run. Says nothing when Argo CD
 * reports no running image yet, and never compares a tag with a digest.
 */
export function imageDrift(running: string[], desired: string[]): ImageDrift[] {
  if (running.length === 0) return [];
  const drifts: ImageDrift[] = [];
  for (const d of desired) {
    const want = splitImage(d);
    if (!want.tagOrDigest) continue;
    const shown = d.includes('=') ? d.slice(d.indexOf('=') + 1) : d;
    const same = running.filter(r => sameName(splitImage(r).name, want.name));
    if (same.length === 0) {
      drifts.push({ desired: shown, running: [] });
      continue;
    }
    const comparable = same.filter(r => {
      const t = splitImage(r).tagOrDigest;
      return t !== undefined && isDigest(t) === isDigest(want.tagOrDigest!);
    });
    if (comparable.length === 0) continue;
    const runsIt = comparable.some(
      r => splitImage(r).tagOrDigest === want.tagOrDigest,
    );
    if (!runsIt) drifts.push({ desired: shown, running: comparable });
  }
  return drifts;
}
