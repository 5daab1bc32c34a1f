// Database-backed files start an embedded PostgreSQL or create a database, and spawn the bundle:
// give them room on a 2-core machine. Set here, per file, because a project's `testTimeout` is
// ignored when jest runs several projects from the root config.
jest.setTimeout(30000);
