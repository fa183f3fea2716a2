// Image references, parsed far enough to tell the tag, as upstream's parsers.ParseImageName
// (github.com/distribution/reference's ParseNormalizedNamed) does for imagePullPolicy defaults.

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?`;
const NAME_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${NAME_COMPONENT}(?:/${NAME_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const HEX64 = /^[a-f0-9]{64}$/;

export interface ImageRef {
  name: string;
  tag: string;
  digest: string;
}

/** Parses an image reference; undefined when upstream would fail to parse it. */
export function parseImageName(image: string): ImageRef | undefined {
  if (image.length === 0 || HEX64.test(image)) return undefined;
  // The repository part (after any domain) must be lowercase.
  const slash = image.indexOf('/');
  let remainder = image;
  if (slash >= 0) {
    const first = image.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first) {
      remainder = image.slice(slash + 1);
    }
  }
  const remoteName = remainder.split(/[:@]/)[0] ?? '';
  if (remoteName.toLowerCase() !== remoteName) return undefined;
  const m = REFERENCE.exec(image);
  if (!m) return undefined;
  const name = m[1] ?? '';
  if (name.length > 255) return undefined;
  const digest = m[3] ?? '';
  let tag = m[2] ?? '';
  if (tag === '' && digest === '') tag = 'latest';
  return { name, tag, digest };
}

/** Always for `:latest` or an untagged image, IfNotPresent otherwise (and for unparsable ones). */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  return parseImageName(image)?.tag === 'latest' ? 'Always' : 'IfNotPresent';
}
