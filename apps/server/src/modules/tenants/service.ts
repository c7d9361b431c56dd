import crypto from 'node:crypto';
import type { Database } from '../../platform/db/database.js';
import type { TenantsTable } from '../../platform/db/tables.js';
import type { FieldCipher } from '../../platform/keys/field-cipher.js';
import { TenantFields, type TenantHandle } from '../../platform/keys/tenant-fields.js';
import { AppError, invalid } from '../../http/errors.js';

export interface Tenant {
  id: string;
  code: string;
  name: string;
  schemaName: string;
  status: TenantsTable['status'];
}

export const TENANT_CODE = /^[a-z][a-z0-9_]{1,30}$/;
const CACHE_MS = 30_000;

/** Clinics: created by the operator, looked up on every request from the token's `tid`. */
export class TenantService {
  private readonly byId = new Map<string, { tenant: Tenant; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly cipher: FieldCipher,
  ) {}

  async create(code: string, name: string): Promise<Tenant> {
    if (!TENANT_CODE.test(code)) {
      throw invalid('/code', 'must be 2-31 characters: a-z first, then a-z, 0-9 or _');
    }
    if (name.trim() === '' || name.length > 200) throw invalid('/name', 'must be 1-200 characters');
    const existing = await this.findByCode(code);
    if (existing !== null) throw new AppError('already_exists', `tenant ${code} already exists`);

    const tenant: Tenant = {
      id: crypto.randomUUID(),
      code,
      name: name.trim(),
      schemaName: `t_${code}`,
      status: 'active',
    };
    // Schema first: a tenant row never points at a schema that is not there.
    await this.db.migrateTenant(tenant.schemaName);
    await this.db.control
      .insertInto('tenants')
      .values({
        id: tenant.id,
        code,
        name: tenant.name,
        schema_name: tenant.schemaName,
        status: 'active',
      })
      .execute();
    return tenant;
  }

  /** Suspends or reactivates a clinic; the caller ends its sessions. */
  async setStatus(code: string, status: Tenant['status']): Promise<Tenant> {
    const row = await this.db.control
      .updateTable('tenants')
      .set({ status })
      .where('code', '=', code)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) throw new AppError('not_found', `no tenant ${code}`);
    this.byId.delete(row.id);
    return toTenant(row);
  }

  async findByCode(code: string): Promise<Tenant | null> {
    const row = await this.db.control
      .selectFrom('tenants')
      .selectAll()
      .where('code', '=', code)
      .executeTakeFirst();
    return row === undefined ? null : toTenant(row);
  }

  /** Cached briefly: this runs on every authenticated request. */
  async findById(id: string): Promise<Tenant | null> {
    const hit = this.byId.get(id);
    if (hit !== undefined && hit.until > Date.now()) return hit.tenant;
    const row = await this.db.control
      .selectFrom('tenants')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) return null;
    const tenant = toTenant(row);
    this.byId.set(id, { tenant, until: Date.now() + CACHE_MS });
    return tenant;
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.db.control.selectFrom('tenants').selectAll().orderBy('code').execute();
    return rows.map(toTenant);
  }

  handle(tenant: Tenant): TenantHandle {
    const handle = this.db.forTenant(tenant.id, tenant.schemaName);
    const fields = new TenantFields(this.cipher, tenant.id, this.db.kind === 'postgres');
    return {
      ...handle,
      fields,
      // Keys are fetched before BEGIN: inside the transaction sealing and opening need none.
      async transaction(work) {
        await fields.preload();
        return handle.transaction(work);
      },
    };
  }

  /** Brings every tenant schema up to the newest migration (at start-up). */
  async migrateAll(): Promise<void> {
    for (const tenant of await this.list()) await this.db.migrateTenant(tenant.schemaName);
  }
}

function toTenant(row: {
  id: string;
  code: string;
  name: string;
  schema_name: string;
  status: Tenant['status'];
}): Tenant {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    schemaName: row.schema_name,
    status: row.status,
  };
}
