/* pipeline.new_item.slug_for in the browser: the ASCII words of the title (at most 6), or, when they
 * hold fewer than 3 letters (Chinese titles), those words plus the first 8 hex digits of the
 * title's SHA-1 — item-<hash> when there are none.  tests/test_cms.py compares it with Python's. */
const SLUG_WORDS = 6;

async function sha1Hex(text) {
  const digest = await globalThis.crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function slugFor(title) {
  const words = (title.toLowerCase().match(/[a-z0-9]+/g) || []).slice(0, SLUG_WORDS);
  const slug = words.join("-");
  if ((slug.match(/[a-z]/g) || []).length >= 3) { return slug; }
  const digest = (await sha1Hex(title)).slice(0, 8);
  return slug ? `${slug}-${digest}` : `item-${digest}`;
}
