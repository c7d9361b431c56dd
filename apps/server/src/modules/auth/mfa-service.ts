import crypto from 'node:crypto';
import type { Database } from '../../platform/db/database.js';
import type { FieldCipher } from '../../platform/keys/field-cipher.js';
import { AppError, invalid } from '../../http/errors.js';
import {
  enrollmentMaterial,
  hashRecoveryCode,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
} from './mfa.js';

const SECRET_FIELD = (userId: string) => ({ table: 'users', column: 'mfa_secret', rowId: userId });
const PENDING_FIELD = (userId: string) => ({
  table: 'users',
  column: 'mfa_pending_secret',
  rowId: userId,
});

/**
 * TOTP enrollment and checks. Secrets are stored encrypted under the tenant's data key; a code
 * is accepted once (the last accepted time step is kept and must increase); recovery codes are
 * stored hashed and each works once.
 */
export class MfaService {
  constructor(
    private readonly db: Database,
    private readonly cipher: FieldCipher,
  ) {}

  async isEnrolled(userId: string): Promise<boolean> {
    const row = await this.db.control
      .selectFrom('users')
      .select('mfa_enrolled_at')
      .where('id', '=', userId)
      .executeTakeFirst();
    return row?.mfa_enrolled_at != null;
  }

  /** Starts (or restarts) enrollment: a new pending secret, shown once as text and QR code. */
  async startEnrollment(tenantId: string, userId: string, email: string) {
    const secret = newTotpSecret();
    const stored = await this.cipher.encrypt(tenantId, PENDING_FIELD(userId), secret);
    await this.db.control
      .updateTable('users')
      .set({ mfa_pending_secret: stored })
      .where('id', '=', userId)
      .execute();
    return enrollmentMaterial(secret, email);
  }

  /** Confirms enrollment with a first code; returns the recovery codes, shown once. */
  async confirmEnrollment(tenantId: string, userId: string, code: string): Promise<string[]> {
    const row = await this.db.control
      .selectFrom('users')
      .select('mfa_pending_secret')
      .where('id', '=', userId)
      .executeTakeFirst();
    if (row?.mfa_pending_secret == null) throw invalid('/code', 'start the enrollment first');
    const secret = await this.cipher.decrypt(
      tenantId,
      PENDING_FIELD(userId),
      row.mfa_pending_secret,
    );
    const step = matchTotp(secret, code.trim());
    if (step === null) throw invalid('/code', 'is not the current code');

    const recovery = newRecoveryCodes();
    const stored = await this.cipher.encrypt(tenantId, SECRET_FIELD(userId), secret);
    await this.db.control.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({
          mfa_secret: stored,
          mfa_pending_secret: null,
          mfa_enrolled_at: new Date(),
          mfa_last_step: step,
        })
        .where('id', '=', userId)
        .execute();
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      await trx
        .insertInto('recovery_codes')
        .values(
          recovery.hashes.map((hash) => ({
            id: crypto.randomUUID(),
            user_id: userId,
            code_hash: hash,
            used_at: null,
          })),
        )
        .execute();
    });
    return recovery.codes;
  }

  /** True when the code is current and newer than any accepted before (no replay). */
  async verifyTotp(tenantId: string, userId: string, code: string): Promise<boolean> {
    const row = await this.db.control
      .selectFrom('users')
      .select(['mfa_secret', 'mfa_last_step'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (row?.mfa_secret == null) return false;
    const secret = await this.cipher.decrypt(tenantId, SECRET_FIELD(userId), row.mfa_secret);
    const step = matchTotp(secret, code.trim());
    if (step === null || step <= row.mfa_last_step) return false;
    // Conditional update: of two requests racing with the same code, only one moves the step.
    const moved = await this.db.control
      .updateTable('users')
      .set({ mfa_last_step: step })
      .where('id', '=', userId)
      .where('mfa_last_step', '<', step)
      .returning('id')
      .executeTakeFirst();
    return moved !== undefined;
  }

  async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    const used = await this.db.control
      .updateTable('recovery_codes')
      .set({ used_at: new Date() })
      .where('user_id', '=', userId)
      .where('code_hash', '=', hashRecoveryCode(code))
      .where('used_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return used !== undefined;
  }

  /** An admin's reset: the user enrolls again at the next login. */
  async reset(userId: string): Promise<void> {
    const reset = await this.db.control
      .updateTable('users')
      .set({ mfa_secret: null, mfa_pending_secret: null, mfa_enrolled_at: null, mfa_last_step: 0 })
      .where('id', '=', userId)
      .returning('id')
      .executeTakeFirst();
    if (reset === undefined) throw new AppError('not_found');
    await this.db.control.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  }
}
