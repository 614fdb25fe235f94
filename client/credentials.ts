/**
 * Credentials a client sends with a run or a decision, read from files the user names. Nothing here ever puts a
 * credential's text in an error message: a token is a bearer secret, and messages end up in terminals and logs.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { ApprovalDecision } from '../common/approval';
import { decisionBinding } from '../common/identity/binding-payload';
import { MAX_CREDENTIAL_CHARS, type Credential } from '../common/identity/credentials';
import { signDecision } from '../shared/identity/sign-decision';
import { ReinsClientError } from './errors';

/** A token or key file that cannot be used: missing, too big, empty, or not what it should hold. */
export class CredentialFileError extends ReinsClientError {
  override name = 'CredentialFileError';
}

/** Bigger than any token file with a trailing newline or two; a file larger than this is the wrong file. */
const MAX_FILE_BYTES = MAX_CREDENTIAL_CHARS + 1024;
/** Private keys in PEM: an RSA-4096 PKCS#8 key is about 3.3 KB. */
const MAX_KEY_FILE_BYTES = 64 * 1024;
/** Three base64url parts: what every compact JWS (and so every JWT) looks like. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

async function readBounded(file: string, what: string, maxBytes: number): Promise<Buffer> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      // Read at most one byte past the limit: a file named by mistake (a log, a device) is never read whole.
      const buffer = Buffer.alloc(maxBytes + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > maxBytes)
        throw new CredentialFileError(`the ${what} file ${file} is larger than ${maxBytes} bytes`);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof CredentialFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CredentialFileError(`cannot read the ${what} file ${file}${code ? ` (${code})` : ''}`);
  }
}

/** The token in a file (a JWT from the organisation's identity provider), trimmed of surrounding whitespace. */
export async function readTokenFile(file: string): Promise<string> {
  const token = (await readBounded(file, 'token', MAX_FILE_BYTES)).toString('utf8').trim();
  if (token === '') throw new CredentialFileError(`the token file ${file} is empty`);
  if (token.length > MAX_CREDENTIAL_CHARS) {
    throw new CredentialFileError(`the token in ${file} is longer than ${MAX_CREDENTIAL_CHARS} characters`);
  }
  if (!COMPACT_JWS.test(token)) {
    throw new CredentialFileError(`the token file ${file} does not hold a JWT (three base64url parts joined by dots)`);
  }
  return token;
}

/** A `jwt` credential from a token file. */
export async function tokenFileCredential(file: string): Promise<Credential> {
  return { kind: 'jwt', token: await readTokenFile(file) };
}

/** A PEM private key (PKCS#8, or PKCS#1/SEC1), to sign decisions with. */
export async function loadDecisionKey(file: string): Promise<KeyObject> {
  const pem = await readBounded(file, 'signing key', MAX_KEY_FILE_BYTES);
  try {
    return createPrivateKey(pem);
  } catch {
    throw new CredentialFileError(`the signing key file ${file} does not hold a PEM private key`);
  }
}

/**
 * A `signature` credential for a decision on run `runId`: a JWS over the same binding the run checks (request,
 * verdict, edited arguments' digest, the claimed approver), signed with the key registered as `kid`.
 */
export async function signedDecisionCredential(
  runId: string,
  decision: Pick<ApprovalDecision, 'requestId' | 'decision' | 'editedArgs' | 'by'>,
  key: KeyObject,
  kid: string,
): Promise<Credential> {
  let jws: string;
  try {
    jws = await signDecision(decisionBinding(runId, decision), key, kid);
  } catch (error) {
    throw new CredentialFileError(`cannot sign the decision: ${(error as Error).message}`);
  }
  return { kind: 'signature', jws };
}
