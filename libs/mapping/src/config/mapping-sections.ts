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
  backends: z.array(backendConfigSchema).default([]).describe('Where credentials come from.'),
  accounts: z
    .array(accountConfigSchema)
    .default([])
    .describe('The AWS accounts fedgate issues credentials for.'),
  permissionSets: z
    .array(permissionSetSchema)
    .default([])
    .describe('What a session may do: a role (or none, for federation tokens) and what limits it.'),
  assignments: z
    .array(assignmentSchema)
    .default([])
    .describe('Who gets which permission sets in which accounts; a deny beats every allow.'),
  /** Who may call the admin endpoints (explain). Nobody when absent. */
  admins: adminsSchema.prefault({}).describe('Who may call the admin endpoints. Nobody when absent.'),
  /** Session names and session-tag compilation, for every permission set. */
  mapping: mappingSettingsSchema
    .prefault({})
    .describe('Session names and session-tag compilation, for every permission set.'),
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
