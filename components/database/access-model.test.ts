import {
  ACCESS_MODEL,
  ROLE_KEYS,
  accessSteps,
  renderAccessSteps,
  defaultPrivilegesOf,
  effectivePrivileges,
  grantsOf,
  quoteIdent,
  quoteLiteral,
  renderAccessSql,
  type AccessNames,
  type ObjectKind,
  type RoleKey,
} from "./access-model";

const names: AccessNames = {
  database: "renfort",
  roles: {
    migrator: { name: "renfort_migrator", connectionLimit: 5 },
    app: { name: "renfort_app", connectionLimit: 400 },
    readonly: { name: "renfort_readonly", connectionLimit: 20 },
  },
};
const passwords: Record<RoleKey, string> = { migrator: "m-Pw1!", app: "a-Pw2!", readonly: "r-Pw3!" };

describe("the role/grant matrix", () => {
  // [role, object, exactly these privileges]
  const matrix: [RoleKey, ObjectKind, string[]][] = [
    ["migrator", "database", ["CONNECT"]],
    ["migrator", "schema", ["USAGE", "CREATE"]],
    ["migrator", "table", ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]],
    ["app", "database", ["CONNECT"]],
    ["app", "schema", ["USAGE"]],
    ["app", "table", ["SELECT", "INSERT", "UPDATE"]],
    ["app", "sequence", ["USAGE", "SELECT"]],
    ["readonly", "database", ["CONNECT"]],
    ["readonly", "schema", ["USAGE"]],
    ["readonly", "table", ["SELECT"]],
    ["readonly", "sequence", []],
  ];
  it.each(matrix)("%s on %s has exactly %j", (role, kind, expected) => {
    expect(effectivePrivileges(ACCESS_MODEL, role, kind)).toEqual(expected);
  });

  it("the app role cannot DDL: no CREATE on the schema or the database, no ownership, no TRUNCATE/TRIGGER/REFERENCES", () => {
    expect(effectivePrivileges(ACCESS_MODEL, "app", "schema")).not.toContain("CREATE");
    expect(effectivePrivileges(ACCESS_MODEL, "app", "database")).not.toContain("CREATE");
    expect(ACCESS_MODEL.schemaOwner).not.toBe("app");
    for (const p of ["TRUNCATE", "TRIGGER", "REFERENCES"]) expect(effectivePrivileges(ACCESS_MODEL, "app", "table")).not.toContain(p);
  });

  it("the readonly role has SELECT only", () => {
    const everything = (["database", "schema", "table", "sequence"] as const).flatMap((k) => effectivePrivileges(ACCESS_MODEL, "readonly", k));
    expect(everything.filter((p) => p !== "CONNECT" && p !== "USAGE")).toEqual(["SELECT"]);
  });

  it("PUBLIC keeps nothing on the database, and no role can escalate", () => {
    expect(ACCESS_MODEL.database.filter((g) => g.role === "public")).toEqual([{ key: "public", role: "public", privileges: [] }]);
    for (const key of ROLE_KEYS) {
      const r = ACCESS_MODEL.roles[key];
      expect([r.superuser, r.createDatabase, r.createRole, r.replication, r.bypassRowLevelSecurity]).toEqual([false, false, false, false, false]);
      expect(r.login).toBe(true);
    }
  });
});

describe("provider declarations derived from the model", () => {
  it("one grant per stable key, schema-scoped except database grants", () => {
    const grants = grantsOf(ACCESS_MODEL);
    expect(grants.map((g) => g.key)).toEqual([
      "database-public",
      "database-migrator",
      "database-app",
      "database-readonly",
      "schema-migrator",
      "schema-app",
      "schema-readonly",
      "app-tables",
      "app-sequences",
      "readonly-tables",
    ]);
    for (const g of grants) expect(g.schema === undefined).toBe(g.objectType === "database");
  });

  it("default privileges are the migrator's, for every table and sequence grant", () => {
    expect(defaultPrivilegesOf(ACCESS_MODEL)).toEqual([
      { key: "default-app-tables", owner: "migrator", role: "app", schema: "renfort", objectType: "table", privileges: ["SELECT", "INSERT", "UPDATE"] },
      { key: "default-app-sequences", owner: "migrator", role: "app", schema: "renfort", objectType: "sequence", privileges: ["USAGE", "SELECT"] },
      { key: "default-readonly-tables", owner: "migrator", role: "readonly", schema: "renfort", objectType: "table", privileges: ["SELECT"] },
    ]);
  });
});

describe("renderAccessSql", () => {
  const sql = renderAccessSql(ACCESS_MODEL, names, passwords);
  const lines = sql.split("\n").filter((l) => l !== "" && !l.startsWith("--"));

  it.each([
    [`CREATE ROLE "renfort_app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 400 PASSWORD 'a-Pw2!';`],
    [`ALTER ROLE "renfort_app" SET search_path TO "renfort";`],
    [`REVOKE ALL ON DATABASE "renfort" FROM PUBLIC;`],
    [`GRANT CONNECT ON DATABASE "renfort" TO "renfort_readonly";`],
    [`CREATE SCHEMA "renfort" AUTHORIZATION "renfort_migrator";`],
    [`GRANT USAGE, CREATE ON SCHEMA "renfort" TO "renfort_migrator";`],
    [`GRANT USAGE ON SCHEMA "renfort" TO "renfort_app";`],
    [`GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA "renfort" TO "renfort_app";`],
    [`ALTER DEFAULT PRIVILEGES FOR ROLE "renfort_migrator" IN SCHEMA "renfort" GRANT SELECT, INSERT, UPDATE ON TABLES TO "renfort_app";`],
    [`ALTER DEFAULT PRIVILEGES FOR ROLE "renfort_migrator" IN SCHEMA "renfort" GRANT USAGE, SELECT ON SEQUENCES TO "renfort_app";`],
    [`ALTER DEFAULT PRIVILEGES FOR ROLE "renfort_migrator" IN SCHEMA "renfort" GRANT SELECT ON TABLES TO "renfort_readonly";`],
  ])("emits %s", (statement) => {
    expect(lines).toContain(statement);
  });

  it("emits one statement per role, grant and default privilege, plus the owner bracket around each owner step, and nothing else", () => {
    const ownerSteps = accessSteps(ACCESS_MODEL).filter((s) => s.kind !== "role" && s.actsAs !== undefined).length;
    expect(ownerSteps).toBe(1 /* schema */ + 3 /* schema grants */ + 3 /* table and sequence grants */ + 3 /* default privileges */);
    // 3 roles x (CREATE ROLE + its settings) + 10 grants + CREATE SCHEMA + 3 default privileges + a GRANT/REVOKE bracket around each of the 10 owner steps.
    expect(lines).toHaveLength(6 + 10 + 1 + 3 + 2 * 10);
    expect(sql).not.toMatch(/SUPERUSER(?<!NOSUPERUSER)|\bCREATEROLE\b(?<!NOCREATEROLE)/);
  });

  it("never grants anything to the app role on the schema beyond USAGE", () => {
    expect(lines.filter((l) => l.includes(`ON SCHEMA "renfort" TO "renfort_app"`))).toEqual([`GRANT USAGE ON SCHEMA "renfort" TO "renfort_app";`]);
  });

  it("quotes identifiers and literals so a name or password cannot break out", () => {
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
    const hostile = renderAccessSql(ACCESS_MODEL, names, { ...passwords, app: "x'; DROP TABLE t; --" });
    expect(hostile).toContain(`PASSWORD 'x''; DROP TABLE t; --';`);
    expect(() => quoteLiteral("a\u0000b")).toThrow(/NUL/);
  });
});

describe("apply order and the non-superuser admin (accessSteps / renderAccessSteps)", () => {
  const steps = renderAccessSteps(ACCESS_MODEL, names, passwords);
  const lines = renderAccessSql(ACCESS_MODEL, names, passwords).split("\n").filter((l) => l !== "" && !l.startsWith("--"));

  it("follows the component's order: roles, database grants, schema, schema grants, object grants, default privileges", () => {
    expect(steps.map((s) => s.resource)).toEqual([
      "role-migrator",
      "role-app",
      "role-readonly",
      "grant-database-public",
      "grant-database-migrator",
      "grant-database-app",
      "grant-database-readonly",
      "schema",
      "grant-schema-migrator",
      "grant-schema-app",
      "grant-schema-readonly",
      "grant-app-tables",
      "grant-app-sequences",
      "grant-readonly-tables",
      "default-app-tables",
      "default-app-sequences",
      "default-readonly-tables",
    ]);
  });

  it("brackets every step on objects the migrator owns with a temporary membership of the admin, and nothing else", () => {
    for (const s of steps) {
      const ownerStep = s.resource === "schema" || s.resource.startsWith("grant-schema-") || /^grant-(app|readonly)-/.test(s.resource) || s.resource.startsWith("default-");
      if (ownerStep) {
        expect(s.actsAs).toBe("migrator");
        expect(s.statements[0]).toBe(`GRANT "renfort_migrator" TO CURRENT_USER;`);
        expect(s.statements[s.statements.length - 1]).toBe(`REVOKE "renfort_migrator" FROM CURRENT_USER;`);
        expect(s.statements).toHaveLength(3);
      } else {
        expect(s.actsAs).toBeUndefined();
        expect(s.statements.join("\n")).not.toMatch(/CURRENT_USER/);
      }
    }
  });

  it("orders the bracket before CREATE SCHEMA ... AUTHORIZATION and ALTER DEFAULT PRIVILEGES FOR ROLE in the script", () => {
    const at = (needle: string, from = 0) => lines.findIndex((l, i) => i >= from && l.startsWith(needle));
    const createSchema = at("CREATE SCHEMA");
    expect(lines[createSchema - 1]).toBe(`GRANT "renfort_migrator" TO CURRENT_USER;`);
    expect(lines[createSchema + 1]).toBe(`REVOKE "renfort_migrator" FROM CURRENT_USER;`);
    const firstDefault = at("ALTER DEFAULT PRIVILEGES");
    expect(lines[firstDefault - 1]).toBe(`GRANT "renfort_migrator" TO CURRENT_USER;`);
    expect(at("CREATE ROLE")).toBeLessThan(at("GRANT \"renfort_migrator\" TO CURRENT_USER"));
  });

  it("the statements of the steps are exactly the script's statements", () => {
    expect(steps.flatMap((s) => s.statements)).toEqual(lines);
  });
});
