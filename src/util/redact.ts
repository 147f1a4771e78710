/**
 * Connection strings carry passwords (`postgres://user:secret@host/db`, `redis://:secret@host`,
 * `?password=secret`): these helpers make the form that may be printed, logged or stored.
 * They work on the text, so URLs that WHATWG `URL` rejects (an empty host with a Unix socket in
 * `?host=`) are handled too.
 */

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i;
const PASSWORD_PARAM = /([?&](?:password|pass|pwd)=)([^&#]*)/gi;

/** The URL with its password (in the user info, or a `password=` parameter) shown as `***`. */
export function redactUrl(url: string): string {
  return url
    .replace(USERINFO, (_, scheme: string, info: string) => {
      const colon = info.indexOf(":");
      return colon < 0 ? `${scheme}${info}@` : `${scheme}${info.slice(0, colon)}:***@`;
    })
    .replace(PASSWORD_PARAM, (_, key: string) => `${key}***`);
}

/** The secrets a URL holds (its passwords, as written and decoded), for `scrub`. */
export function urlSecrets(url: string): string[] {
  const found: string[] = [];
  const info = USERINFO.exec(url)?.[2];
  if (info?.includes(":")) found.push(info.slice(info.indexOf(":") + 1));
  for (const m of url.matchAll(PASSWORD_PARAM)) found.push(m[2]);
  const decoded = found.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return [...new Set([...found, ...decoded])].filter((s) => s.length > 0);
}

/** `message` with every occurrence of each secret replaced by `***`. */
export function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join("***");
  return out;
}
