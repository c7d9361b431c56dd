import crypto from 'node:crypto';
import type { Database } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/tables.js';
import { AppError, invalid } from '../../http/errors.js';
import { hashPassword, passwordProblem } from '../auth/passwords.js';
import type { Tenant } from '../tenants/service.js';

export interface Account {
  id: string;
  tenantId: string;
  email: string;
  role: Role;
  displayName: string;
  status: 'active' | 'deactivated';
  patientId: string | null;
  mustChangePassword: boolean;
  mfaEnrolled: boolean;
}

export interface NewAccount {
  email: string;
  password: string;
  role: Role;
  displayName: string;
  patientId?: string | null;
  /** A temporary password the user must replace at first login. */
  mustChangePassword?: boolean;
  /** Where a rejected password is reported (the request's own field name). */
  passwordField?: string;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const STAFF_ROLES: readonly Role[] = ['admin', 'doctor', 'nurse', 'clerk'];

/** Staff and patient accounts of a clinic. */
export class AccountService {
  constructor(private readonly db: Database) {}

  async create(tenant: Tenant, input: NewAccount): Promise<Account> {
    const email = normalizeEmail(input.email);
    if (!EMAIL.test(email)) throw invalid('/email', 'must be an email address');
    if (input.role === 'patient' && (input.patientId ?? null) === null) {
      throw invalid('/patientId', 'a patient account must name its patient record');
    }
    if (input.role !== 'patient' && !STAFF_ROLES.includes(input.role)) {
      throw invalid('/role', 'must be admin, doctor, nurse, clerk or patient');
    }
    const problem = passwordProblem(input.password);
    if (problem !== null) throw invalid(input.passwordField ?? '/password', problem);
    if ((await this.findByEmail(tenant.id, email)) !== null) {
      throw new AppError('email_in_use');
    }

    const account: Account = {
      id: crypto.randomUUID(),
      tenantId: tenant.id,
      email,
      role: input.role,
      displayName: input.displayName.trim() || email,
      status: 'active',
      patientId: input.patientId ?? null,
      mustChangePassword: input.mustChangePassword ?? false,
      mfaEnrolled: false,
    };
    try {
      await this.db.control
        .insertInto('users')
        .values({
          id: account.id,
          tenant_id: tenant.id,
          email,
          password_hash: await hashPassword(input.password),
          role: account.role,
          display_name: account.displayName,
          patient_id: account.patientId,
          must_change_password: account.mustChangePassword,
        })
        .execute();
    } catch (error) {
      // Two requests racing past the checks above meet the unique indexes instead: still a 409.
      if ((error as { code?: unknown }).code !== '23505') throw error;
      throw new AppError(account.patientId === null ? 'email_in_use' : 'portal_account_exists');
    }
    return account;
  }

  async findByEmail(
    tenantId: string,
    email: string,
  ): Promise<(Account & { passwordHash: string }) | null> {
    const row = await this.db.control
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('email', '=', normalizeEmail(email))
      .executeTakeFirst();
    return row === undefined ? null : { ...toAccount(row), passwordHash: row.password_hash };
  }

  async findById(tenantId: string, id: string): Promise<Account | null> {
    const row = await this.db.control
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? null : toAccount(row);
  }

  /**
   * Changes role or status. The clinic always keeps an active admin, and nobody raises or
   * lowers their own rights (another admin must).
   */
  async update(
    tenantId: string,
    before: Account,
    change: { role?: Role | undefined; status?: Account['status'] | undefined },
    actorId: string,
  ): Promise<Account> {
    const role = change.role ?? before.role;
    const status = change.status ?? before.status;
    if (before.id === actorId && (role !== before.role || status !== before.status)) {
      throw new AppError('forbidden', 'You cannot change your own role or status.');
    }
    return this.db.control.transaction().execute(async (trx) => {
      const losesAdmin =
        before.role === 'admin' &&
        before.status === 'active' &&
        (role !== 'admin' || status !== 'active');
      if (losesAdmin) {
        // Counted inside the transaction, under row locks, so two demotions cannot both pass.
        const admins = await trx
          .selectFrom('users')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('role', '=', 'admin')
          .where('status', '=', 'active')
          .forUpdate()
          .execute();
        if (admins.length <= 1) throw new AppError('last_admin');
      }
      const row = await trx
        .updateTable('users')
        .set({ role, status, updated_at: new Date() })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', before.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAccount(row);
    });
  }

  /** Replaces the password; the caller decides which sessions survive. */
  async setPassword(tenantId: string, id: string, password: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem !== null) throw invalid('/newPassword', problem);
    await this.db.control
      .updateTable('users')
      .set({
        password_hash: await hashPassword(password),
        must_change_password: false,
        password_changed_at: new Date(),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  async portalAccountOf(tenantId: string, patientId: string): Promise<boolean> {
    const row = await this.db.control
      .selectFrom('users')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('patient_id', '=', patientId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async passwordHash(tenantId: string, id: string): Promise<string | null> {
    const row = await this.db.control
      .selectFrom('users')
      .select('password_hash')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.password_hash ?? null;
  }

  async list(tenantId: string): Promise<Account[]> {
    const rows = await this.db.control
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('role', '!=', 'patient')
      .orderBy('display_name')
      .execute();
    return rows.map(toAccount);
  }

  /**
   * The clinic's active doctors and nurses, the people a patient can be put in the care of: id,
   * name and role only. Ordered by name, then id, from the cursor's key onwards.
   */
  async directory(
    tenantId: string,
    limit: number,
    after: string[] | null,
  ): Promise<Pick<Account, 'id' | 'displayName' | 'role'>[]> {
    let select = this.db.control
      .selectFrom('users')
      .select(['id', 'display_name', 'role'])
      .where('tenant_id', '=', tenantId)
      .where('role', 'in', ['doctor', 'nurse'])
      .where('status', '=', 'active');
    if (after !== null) {
      const [name = '', id = ''] = after;
      select = select.where((eb) =>
        eb.or([
          eb('display_name', '>', name),
          eb.and([eb('display_name', '=', name), eb('id', '>', id)]),
        ]),
      );
    }
    const rows = await select.orderBy('display_name').orderBy('id').limit(limit).execute();
    return rows.map((row) => ({ id: row.id, displayName: row.display_name, role: row.role }));
  }

  async displayNames(tenantId: string, ids: string[]): Promise<Map<string, Account>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.control
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', ids)
      .execute();
    return new Map(rows.map((row) => [row.id, toAccount(row)]));
  }
}

export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

function toAccount(row: {
  id: string;
  tenant_id: string;
  email: string;
  role: Role;
  display_name: string;
  status: 'active' | 'deactivated';
  patient_id: string | null;
  must_change_password: boolean;
  mfa_enrolled_at: Date | null;
}): Account {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    role: row.role,
    displayName: row.display_name,
    status: row.status,
    patientId: row.patient_id,
    mustChangePassword: row.must_change_password,
    mfaEnrolled: row.mfa_enrolled_at !== null,
  };
}
