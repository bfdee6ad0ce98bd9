/**
 * The GitOps stage's edit of an overlay's kustomization.yaml, as
 * `kustomize edit set image <image>=<image>:<tag>` does it: set `newTag` of
 * the `images:` entry named `<image>` (add the entry, or `images:`, when
 * missing). Uses the `yaml` Document API, so comments and layout stay.
 */
import { Document, isMap, isSeq, parseDocument, YAMLMap } from 'yaml';

export interface ImageTagEdit {
  /** The new file content (the input when nothing changed). */
  text: string;
  changed: boolean;
  /** `newTag` before the edit, if the entry had one. */
  previousTag?: string;
}

/** Keeps `[../../base]` as written (no padding inside flow collections). */
const write = (doc: Document) => doc.toString({ flowCollectionPadding: false });

export function setImageTag(
  text: string,
  image: string,
  tag: string,
): ImageTagEdit {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new Error(
      `Error: kustomization.yaml is not valid YAML: ${doc.errors[0].message}`,
    );
  }
  if (!isMap(doc.contents)) {
    throw new Error('Error: kustomization.yaml is not a YAML mapping');
  }
  let images = doc.get('images', true);
  if (images === undefined || images === null) {
    doc.set('images', doc.createNode([]));
    images = doc.get('images', true);
  }
  if (!isSeq(images)) {
    throw new Error('Error: `images` in kustomization.yaml is not a list');
  }
  const entry = images.items.find(
    (item): item is YAMLMap => isMap(item) && item.get('name') === image,
  );
  if (!entry) {
    images.add(doc.createNode({ name: image, newName: image, newTag: tag }));
    return { text: write(doc), changed: true };
  }
  const before = entry.get('newTag');
  const previousTag = before === undefined ? undefined : String(before);
  if (previousTag === tag) return { text, changed: false, previousTag };
  entry.set('newTag', tag);
  return { text: write(doc), changed: true, previousTag };
}
