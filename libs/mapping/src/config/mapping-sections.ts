import { z } from 'zod';
import { accountConfigSchema, type AccountConfig } from './account.schema';
import { adminsSchema, type AdminsConfig } from './admins.schema';
import { assignmentSchema, type AssignmentConfig } from './assignment.schema';
import { backendConfigSchema, type BackendConfig } from './backend.schema';
import { mappingSettingsSchema, type MappingSettingsConfig } from './mapping-settings.schema';
import { permissionSetSchema, type PermissionSetConfig } from './permission-set.schema';

/**
 * The top-level sections the mapping owns, as zod shape entries with their
 * defaults: a composer spreads them into its file's schema
 * (docs/configuration.md). Backends and accounts are here because the
 * mapping reads their partition, mode and role chaining.
 */
export const mappingSections = {
  backends: z.array(backendConfigSchema).default([]),
  accounts: z.array(accountConfigSchema).default([]),
  permissionSets: z.array(permissionSetSchema).default([]),
  assignments: z.array(assignmentSchema).default([]),
  /** Who may call the admin endpoints (explain). Nobody when absent. */
  admins: adminsSchema.prefault({}),
  /** Session names and session-tag compilation, for every permission set. */
  mapping: mappingSettingsSchema.prefault({}),
};

/** The validated mapping sections of a configuration. */
export interface MappingSections {
  backends: BackendConfig[];
  accounts: AccountConfig[];
  permissionSets: PermissionSetConfig[];
  assignments: AssignmentConfig[];
  admins: AdminsConfig;
  mapping: MappingSettingsConfig;
}
