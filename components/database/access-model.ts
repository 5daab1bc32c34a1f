/**
 * Who may do what in the application database: ONE definition, used twice.
 *
 * - The Database component declares one `postgresql.Grant` / `postgresql.DefaultPrivileges` per entry
 *   (see {@link grantsOf} and {@link defaultPrivilegesOf}).
 * - {@link renderAccessSql} emits the equivalent SQL, which the local test applies to a real PostgreSQL
 *   server AS A NON-SUPERUSER ADMIN like Scaleway's (CREATEDB, CREATEROLE), in the component's order
 *   ({@link accessSteps}), before running the app's migrations as the migrator, to prove the matrix holds.
 *
 * The layout is PostgreSQL's "secure schema usage pattern"
 * (https://www.postgresql.org/docs/16/ddl-schemas.html#DDL-SCHEMAS-PATTERNS):
 * - a dedicated schema `renfort`, owned by the migrator role, holds every application table; PUBLIC has no
 *   privilege on it. (Schema `public` is left alone: since PostgreSQL 15 it is owned by `pg_database_owner`
 *   and PUBLIC cannot create in it, and the postgresql provider cannot grant on it as a non-superuser:
 *   https://github.com/pulumi/pulumi-postgresql/issues/206.)
 * - the migrator owns the schema and therefore every table the migrations create; it runs DDL only;
 * - the app role gets SELECT, INSERT and UPDATE on the tables (no DELETE: it deletes nothing) and use of
 *   the sequences, through default privileges of the migrator, so migrations never GRANT anything; the
 *   migrate step then takes every right on `pgmigrations` back (app/src/migrate.ts `lockMigrationsTable`);
 * - the readonly role (analytics) gets SELECT on the tables and nothing else;
 * - nobody but these roles may connect: CONNECT and TEMPORARY are revoked from PUBLIC on the database.
 * Every role's search_path is the schema, so the app's unqualified table names resolve there.
 */

export const ROLE_KEYS = ["migrator", "app", "readonly"] as const;
/** A role by purpose; the actual role names come from config. */
export type RoleKey = (typeof ROLE_KEYS)[number];

/** Schema holding the application's tables. */
export const APP_SCHEMA = "renfort";

export type DatabasePrivilege = "CONNECT" | "TEMPORARY" | "CREATE";
export type SchemaPrivilege = "USAGE" | "CREATE";
export type TablePrivilege = "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "TRUNCATE" | "REFERENCES" | "TRIGGER";
export type SequencePrivilege = "USAGE" | "SELECT" | "UPDATE";

/** Role attributes. Everything a role could escalate with is off; only LOGIN is on. */
export interface RoleSpec {
  /** What the role is for (shown in docs and SQL comments). */
  purpose: string;
  login: true;
  superuser: false;
  createDatabase: false;
  createRole: false;
  replication: false;
  bypassRowLevelSecurity: false;
}

export type DatabaseGrant = { key: string; role: RoleKey | "public"; privileges: DatabasePrivilege[] };
export type SchemaGrant = { key: string; role: RoleKey; privileges: SchemaPrivilege[] };
/**
 * Privileges on the tables / sequences of the schema. Each entry applies twice: to the objects that exist
 * (`GRANT ... ON ALL TABLES IN SCHEMA`) and, through the schema owner's default privileges, to every
 * object the migrations create later.
 */
export type ObjectGrant =
  | { key: string; role: RoleKey; objectType: "table"; privileges: TablePrivilege[] }
  | { key: string; role: RoleKey; objectType: "sequence"; privileges: SequencePrivilege[] };

export interface AccessModel {
  schema: string;
  /** Owns the schema, hence every table created in it by the migrations. */
  schemaOwner: RoleKey;
  roles: Record<RoleKey, RoleSpec>;
  /** Database-level privileges; an empty list for `public` revokes PostgreSQL's defaults (CONNECT, TEMPORARY). */
  database: DatabaseGrant[];
  schemaGrants: SchemaGrant[];
  objects: ObjectGrant[];
}

function role(purpose: string): RoleSpec {
  return { purpose, login: true, superuser: false, createDatabase: false, createRole: false, replication: false, bypassRowLevelSecurity: false };
}

/** Renfort's access model. */
export const ACCESS_MODEL: AccessModel = {
  schema: APP_SCHEMA,
  schemaOwner: "migrator",
  roles: {
    migrator: role("owns the schema and runs the migrations (DDL) as a release step"),
    app: role("the app fleet: reads and writes rows, cannot change the schema"),
    readonly: role("analytics and support: reads rows only"),
  },
  database: [
    { key: "public", role: "public", privileges: [] },
    { key: "migrator", role: "migrator", privileges: ["CONNECT"] },
    { key: "app", role: "app", privileges: ["CONNECT"] },
    { key: "readonly", role: "readonly", privileges: ["CONNECT"] },
  ],
  schemaGrants: [
    // The owner holds these implicitly; the explicit grant keeps the matrix readable and survives an owner change.
    { key: "migrator", role: "migrator", privileges: ["USAGE", "CREATE"] },
    { key: "app", role: "app", privileges: ["USAGE"] },
    { key: "readonly", role: "readonly", privileges: ["USAGE"] },
  ],
  objects: [
    // No DELETE: no statement of the app deletes (app/src/db/queries.ts, outbox.ts, degraded-mode.ts).
    // The migrations' own table is revoked from everyone but the migrator after each run (app/src/migrate.ts).
    { key: "app-tables", role: "app", objectType: "table", privileges: ["SELECT", "INSERT", "UPDATE"] },
    // nextval() on serial columns needs USAGE; currval()/lastval() need SELECT (identity columns need neither).
    { key: "app-sequences", role: "app", objectType: "sequence", privileges: ["USAGE", "SELECT"] },
    { key: "readonly-tables", role: "readonly", objectType: "table", privileges: ["SELECT"] },
  ],
};

/** The per-stack names and limits the model is applied with. */
export interface RoleBinding {
  /** PostgreSQL role name. */
  name: string;
  /** CONNECTION LIMIT (-1 = none). */
  connectionLimit: number;
}

export interface AccessNames {
  database: string;
  roles: Record<RoleKey, RoleBinding>;
}

export type ObjectKind = "database" | "schema" | "table" | "sequence";

/**
 * The privileges `role` ends up with on `kind`, ownership included (an owner holds every privilege of
 * its object). This is what the matrix tests read.
 */
export function effectivePrivileges(model: AccessModel, roleKey: RoleKey, kind: ObjectKind): string[] {
  const all: Record<ObjectKind, string[]> = {
    database: ["CONNECT", "TEMPORARY", "CREATE"],
    schema: ["USAGE", "CREATE"],
    table: ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    sequence: ["USAGE", "SELECT", "UPDATE"],
  };
  // The schema owner owns the schema and, through the migrations, the tables and sequences in it.
  if (kind !== "database" && roleKey === model.schemaOwner) return [...all[kind]];
  const granted =
    kind === "database"
      ? model.database.filter((g) => g.role === roleKey).flatMap((g) => g.privileges)
      : kind === "schema"
        ? model.schemaGrants.filter((g) => g.role === roleKey).flatMap((g) => g.privileges)
        : model.objects.filter((g) => g.role === roleKey && g.objectType === kind).flatMap((g) => g.privileges);
  return all[kind].filter((p) => (granted as string[]).includes(p));
}

/** A grant as the postgresql provider takes it (`postgresql.Grant`), by stable key. */
export interface ProviderGrant {
  key: string;
  /** A role key, or `public` for PostgreSQL's PUBLIC pseudo-role. */
  role: RoleKey | "public";
  objectType: ObjectKind;
  /** Absent for database grants. */
  schema?: string;
  privileges: string[];
}

/** Every `postgresql.Grant` the model needs: database, schema, then existing tables and sequences. */
export function grantsOf(model: AccessModel): ProviderGrant[] {
  return [
    ...model.database.map((g) => ({ key: `database-${g.key}`, role: g.role, objectType: "database" as const, privileges: [...g.privileges] })),
    ...model.schemaGrants.map((g) => ({ key: `schema-${g.key}`, role: g.role, objectType: "schema" as const, schema: model.schema, privileges: [...g.privileges] })),
    ...model.objects.map((g) => ({ key: g.key, role: g.role, objectType: g.objectType, schema: model.schema, privileges: [...g.privileges] })),
  ];
}

/** A default privilege as the postgresql provider takes it (`postgresql.DefaultPrivileges`). */
export interface ProviderDefaultPrivilege {
  key: string;
  /** The role whose future objects get the privilege: the schema owner. */
  owner: RoleKey;
  role: RoleKey;
  schema: string;
  objectType: "table" | "sequence";
  privileges: string[];
}

export function defaultPrivilegesOf(model: AccessModel): ProviderDefaultPrivilege[] {
  return model.objects.map((g) => ({
    key: `default-${g.key}`,
    owner: model.schemaOwner,
    role: g.role,
    schema: model.schema,
    objectType: g.objectType,
    privileges: [...g.privileges],
  }));
}

/** `"name"`, with embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'`, with embedded quotes doubled (standard_conforming_strings is on since PostgreSQL 9.1). */
export function quoteLiteral(text: string): string {
  if (text.includes("\u0000")) throw new Error("a SQL literal cannot contain a NUL character");
  return `'${text.replace(/'/g, "''")}'`;
}

function grantee(names: AccessNames, r: RoleKey | "public"): string {
  return r === "public" ? "PUBLIC" : quoteIdent(names.roles[r].name);
}

const PLURAL = { table: "TABLES", sequence: "SEQUENCES" } as const;

/**
 * One declaration of the component, in the order it is applied.
 *
 * `actsAs` is the role the instance admin must act as for the step: the schema owner, which owns the
 * schema, every table and sequence in it, and is the role whose default privileges are set. The admin
 * is not a superuser (Scaleway RDB: CREATEDB and CREATEROLE only), so PostgreSQL requires it to be a
 * member of that role for `CREATE SCHEMA ... AUTHORIZATION`, `ALTER DEFAULT PRIVILEGES FOR ROLE` and
 * GRANTs on objects the role owns. The postgresql provider (with `superuser: false`) handles this
 * itself: around each such resource it runs `GRANT <owner> TO current_user`, the statement, then
 * `REVOKE <owner> FROM current_user`, in one transaction (`withRolesGranted` in
 * https://github.com/cyrilgdn/terraform-provider-postgresql/blob/main/postgresql/helpers.go).
 * {@link renderAccessSteps} emits the same bracket, so the SQL the tests apply is what the provider runs.
 *
 * Whether the admin may grant itself the owner role differs by major version:
 * - PostgreSQL 15 and older: CREATEROLE alone allows granting membership in ANY non-superuser role,
 *   and creating a role gives its creator no membership at all.
 * - PostgreSQL 16 and newer (Scaleway): CREATEROLE no longer allows granting a role; that needs ADMIN
 *   OPTION on it. The creator of a role is given ADMIN OPTION on it automatically (grantor: the bootstrap
 *   superuser) but, with `createrole_self_grant` at its default '', neither INHERIT nor SET, so it still
 *   cannot act as the role until it grants the role to itself, which its ADMIN OPTION allows
 *   (`CREATE SCHEMA ... AUTHORIZATION` needs SET, `ALTER DEFAULT PRIVILEGES` and the GRANTs need INHERIT;
 *   a plain GRANT gives both to an admin with the default INHERIT attribute). So the
 *   bracket works for roles the admin created through the provider, NOT for roles created by someone
 *   else (the Scaleway console, `scaleway.databases.User`): those must never own the schema.
 *   https://www.postgresql.org/docs/16/release-16.html (CREATEROLE), and
 *   https://www.postgresql.org/docs/16/runtime-config-client.html#GUC-CREATEROLE-SELF-GRANT
 */
export type AccessStep =
  | { resource: string; kind: "role"; role: RoleKey }
  | { resource: string; kind: "grant"; grant: ProviderGrant; actsAs?: RoleKey }
  | { resource: string; kind: "schema"; owner: RoleKey; actsAs: RoleKey }
  | { resource: string; kind: "default-privileges"; defaults: ProviderDefaultPrivilege; actsAs: RoleKey };

/**
 * Every declaration of the access model in apply order: roles, database grants, the schema, schema
 * grants, grants on existing tables and sequences, then default privileges. `resource` is the child
 * name suffix in the component (`${name}-${resource}`).
 *
 * The component applies the steps after the roles strictly one after the other (each `dependsOn` the
 * previous): concurrent GRANT/REVOKE on the same catalog row fail with "tuple concurrently updated"
 * (https://github.com/cyrilgdn/terraform-provider-postgresql/issues/178, still open for
 * @pulumi/postgresql 3.16: https://github.com/pulumi/pulumi-postgresql/issues/831), and concurrent
 * temporary `GRANT <owner> TO current_user` brackets would block each other on pg_auth_members.
 */
export function accessSteps(model: AccessModel): AccessStep[] {
  const owner = model.schemaOwner;
  const grants = grantsOf(model);
  const step = (g: ProviderGrant): AccessStep =>
    g.objectType === "database" ? { resource: `grant-${g.key}`, kind: "grant", grant: g } : { resource: `grant-${g.key}`, kind: "grant", grant: g, actsAs: owner };
  return [
    ...ROLE_KEYS.map((role): AccessStep => ({ resource: `role-${role}`, kind: "role", role })),
    ...grants.filter((g) => g.objectType === "database").map(step),
    { resource: "schema", kind: "schema", owner, actsAs: owner },
    ...grants.filter((g) => g.objectType === "schema").map(step),
    ...grants.filter((g) => g.objectType === "table" || g.objectType === "sequence").map(step),
    ...defaultPrivilegesOf(model).map((d): AccessStep => ({ resource: d.key, kind: "default-privileges", defaults: d, actsAs: d.owner })),
  ];
}

/** The SQL of one step, as the provider runs it in one transaction. */
export interface RenderedStep {
  resource: string;
  /** Present when the statements are bracketed by a temporary membership of the admin in this role. */
  actsAs?: RoleKey;
  statements: string[];
}

function statementsOf(model: AccessModel, names: AccessNames, passwords: Record<RoleKey, string>, s: AccessStep): string[] {
  const db = quoteIdent(names.database);
  const schema = quoteIdent(model.schema);
  switch (s.kind) {
    case "role": {
      const spec = model.roles[s.role];
      const r = names.roles[s.role];
      return [
        `CREATE ROLE ${quoteIdent(r.name)} ${spec.login ? "LOGIN" : "NOLOGIN"} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ` +
          `CONNECTION LIMIT ${r.connectionLimit} PASSWORD ${quoteLiteral(passwords[s.role])};`,
        `ALTER ROLE ${quoteIdent(r.name)} SET search_path TO ${schema};`,
      ];
    }
    case "schema":
      return [`CREATE SCHEMA ${schema} AUTHORIZATION ${quoteIdent(names.roles[s.owner].name)};`];
    case "grant": {
      const g = s.grant;
      if (g.objectType === "database") {
        return g.privileges.length === 0
          ? [`REVOKE ALL ON DATABASE ${db} FROM ${grantee(names, g.role)};`]
          : [`GRANT ${g.privileges.join(", ")} ON DATABASE ${db} TO ${grantee(names, g.role)};`];
      }
      if (g.objectType === "schema") return [`GRANT ${g.privileges.join(", ")} ON SCHEMA ${schema} TO ${grantee(names, g.role)};`];
      return [`GRANT ${g.privileges.join(", ")} ON ALL ${PLURAL[g.objectType]} IN SCHEMA ${schema} TO ${grantee(names, g.role)};`];
    }
    case "default-privileges": {
      const d = s.defaults;
      return [
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(names.roles[d.owner].name)} IN SCHEMA ${quoteIdent(d.schema)} ` +
          `GRANT ${d.privileges.join(", ")} ON ${PLURAL[d.objectType]} TO ${grantee(names, d.role)};`,
      ];
    }
  }
}

/**
 * Each step's SQL, to run as the instance admin connected to the application database, one
 * transaction per step, in order. Steps with `actsAs` are bracketed by
 * `GRANT <role> TO CURRENT_USER` / `REVOKE <role> FROM CURRENT_USER`, as the provider does, so the admin
 * holds the owner's privileges only inside that transaction. (The provider skips the bracket when the
 * admin can already SET ROLE to the owner, e.g. with PostgreSQL 16's `createrole_self_grant = 'set'`;
 * the SQL assumes the default, where it cannot.) `passwords` end up in the role statements: never log
 * the result.
 */
export function renderAccessSteps(model: AccessModel, names: AccessNames, passwords: Record<RoleKey, string>): RenderedStep[] {
  return accessSteps(model).map((s) => {
    const statements = statementsOf(model, names, passwords, s);
    const actsAs = s.kind === "role" ? undefined : s.actsAs;
    if (actsAs === undefined) return { resource: s.resource, statements };
    const owner = quoteIdent(names.roles[actsAs].name);
    return { resource: s.resource, actsAs, statements: [`GRANT ${owner} TO CURRENT_USER;`, ...statements, `REVOKE ${owner} FROM CURRENT_USER;`] };
  });
}

/**
 * The SQL equivalent of what the component declares, as one script (see {@link renderAccessSteps}):
 * run it as the instance admin (CREATEDB, CREATEROLE, not a superuser) connected to the application
 * database, which the admin created and therefore owns. `passwords` are the roles' login passwords;
 * the result holds secrets and must never be logged.
 */
export function renderAccessSql(model: AccessModel, names: AccessNames, passwords: Record<RoleKey, string>): string {
  const steps = accessSteps(model);
  const out: string[] = [];
  renderAccessSteps(model, names, passwords).forEach((rendered, i) => {
    const s = steps[i];
    const purpose = s.kind === "role" ? `: ${model.roles[s.role].purpose}` : "";
    out.push(`-- ${rendered.resource}${purpose}${rendered.actsAs ? ` (as a temporary member of the ${rendered.actsAs} role)` : ""}`);
    out.push(...rendered.statements);
  });
  return `${out.join("\n")}\n`;
}
