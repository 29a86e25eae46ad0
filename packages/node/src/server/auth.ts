/** What AUTH, HELLO AUTH and ACL SETUSER leave in argv, so MONITOR and the slowlog never see a secret. */
export const REDACTED = '(redacted)';
