// Read the first principal from a Kerberos keytab file (MIT format, version 0x0502), so
// that kinit can be given the keytab's own principal as the Python package does.
// Internal.

function readCounted(buf: Buffer, offset: number): { text: string; next: number } | undefined {
  if (offset + 2 > buf.length) return undefined;
  const length = buf.readUInt16BE(offset);
  const end = offset + 2 + length;
  if (end > buf.length) return undefined;
  return { text: buf.toString("utf8", offset + 2, end), next: end };
}

/**
 * The principal (`name/instance@REALM`) of the first entry in a keytab, or `undefined`
 * when the content is not a version-2 keytab or holds no entry.
 *
 * @example
 * ```ts
 * keytabPrincipal(readFileSync("/etc/krb5.keytab")); // "host/node1.example.org@EXAMPLE.ORG"
 * ```
 */
export function keytabPrincipal(buf: Buffer): string | undefined {
  // Version 1 keytabs (native byte order) have not been written by anything since the 1990s.
  if (buf.length < 2 || buf[0] !== 0x05 || buf[1] !== 0x02) return undefined;
  let offset = 2;
  while (offset + 4 <= buf.length) {
    const size = buf.readInt32BE(offset);
    offset += 4;
    if (size === 0) return undefined;
    if (size < 0) {
      // A hole left by a deleted entry.
      offset += -size;
      continue;
    }
    const end = offset + size;
    if (end > buf.length || offset + 2 > end) return undefined;
    const count = buf.readUInt16BE(offset);
    const realm = readCounted(buf, offset + 2);
    if (!realm || realm.next > end) return undefined;
    const components: string[] = [];
    let cursor = realm.next;
    for (let i = 0; i < count; i++) {
      const component = readCounted(buf, cursor);
      if (!component || component.next > end) return undefined;
      components.push(component.text);
      cursor = component.next;
    }
    if (components.length === 0) return undefined;
    return `${components.join("/")}@${realm.text}`;
  }
  return undefined;
}
