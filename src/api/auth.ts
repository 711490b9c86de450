/**
 * Who may do what. Callers present a bearer token (`authorization: Bearer <token>`); each
 * token has a name and a role. Without tokens configured (the default, loopback only) every
 * caller is `admin` as "local". Roles are ordered: observer < operator < admin.
 */
import { readFile } from 'node:fs/promises';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DaqError } from '../core/index.js';
import { parseLocatedToml } from '../devices/index.js';
import { AuthError } from './auth-error.js';

export { AuthError } from './auth-error.js';

/** What a role may do. */
export type Role = 'observer' | 'operator' | 'admin';

const RANK: Record<Role, number> = { observer: 0, operator: 1, admin: 2 };

/** A caller. */
export interface Principal {
  /** The token's name, or `local` when auth is off. */
  name: string;
  role: Role;
}

/** A token as configured. */
export interface TokenEntry {
  name: string;
  role: Role;
  token: string;
}

const tokensFile = z.strictObject({
  token: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        role: z.enum(['observer', 'operator', 'admin']),
        token: z.string().min(16, 'tokens must be at least 16 characters').optional(),
        token_env: z.string().min(1).optional(),
      }),
    )
    .min(1),
});

/**
 * Reads a tokens file (TOML): `[[token]] name = "alice" role = "operator" token = "..."`, or
 * `token_env = "DAQ_TOKEN_ALICE"` to take the secret from the environment.
 */
export async function loadTokens(file: string, env: NodeJS.ProcessEnv = process.env): Promise<TokenEntry[]> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch {
    throw new DaqError('not_found', `cannot read tokens file ${file}`);
  }
  const toml = parseLocatedToml(source, file);
  const parsed = tokensFile.safeParse(toml.value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => new DaqError('invalid_argument', `${issue.path.join('.')}: ${issue.message}`, { location: toml.locate(issue.path.map((p) => (typeof p === 'number' ? p : String(p)))) }));
    throw new DaqError('invalid_argument', `tokens file ${file} has ${problems.length} problem(s):`, { children: problems });
  }
  return parsed.data.token.map((entry, index) => {
    const secret = entry.token ?? (entry.token_env === undefined ? undefined : env[entry.token_env]);
    if (secret === undefined || secret.length < 16) {
      throw new DaqError('invalid_argument', `tokens file ${file}: token ${index + 1} ("${entry.name}") needs token = "..." (16+ characters) or token_env naming a set environment variable`, {
        location: toml.locate(['token', index]),
      });
    }
    return { name: entry.name, role: entry.role, token: secret };
  });
}

/** Checks callers' tokens and roles. */
export class Authenticator {
  constructor(private readonly tokens: readonly TokenEntry[]) {}

  /** Whether tokens are configured. */
  get enabled(): boolean {
    return this.tokens.length > 0;
  }

  /** The caller of an `authorization` header value; throws an `AuthError` for a missing or unknown token. */
  identify(authorization: string | undefined): Principal {
    if (!this.enabled) return { name: 'local', role: 'admin' };
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (match?.[1] === undefined) throw new AuthError('unauthenticated', 'this daemon needs a token: pass --token or set DAQ_TOKEN (header "authorization: Bearer <token>")');
    const given = Buffer.from(match[1]);
    const entry = this.tokens.find((t) => {
      const known = Buffer.from(t.token);
      return known.length === given.length && timingSafeEqual(known, given);
    });
    if (entry === undefined) throw new AuthError('unauthenticated', 'unknown token');
    return { name: entry.name, role: entry.role };
  }

  /** Throws `permission_denied` unless `principal` has at least `needed`. */
  static require(principal: Principal, needed: Role, what: string): void {
    if (RANK[principal.role] < RANK[needed]) {
      throw new AuthError('permission_denied', `${what} needs the ${needed} role; ${principal.name} is ${principal.role}`);
    }
  }
}
