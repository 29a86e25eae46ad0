/** The C library's text for the errno of a Node system error: what Redis prints (strerror). */

/** Where libuv's wording differs from glibc's beyond the case of the first letter. */
const GLIBC_MESSAGES: Record<string, string> = {
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

export function strerror(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const glibc = GLIBC_MESSAGES[code ?? ''];
  if (glibc !== undefined) return glibc;
  if (code === undefined) return String(message);
  // libuv's text is glibc's in lower case, framed: "ENOSPC: no space left on device, write".
  const text = message.replace(/^[A-Z0-9_]+: /, '').replace(/, \w+( '.*')?$/, '');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
