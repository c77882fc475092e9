package dev.ferry.workload.people;

import dev.ferry.workload.Args;

/**
 * One migration step as a process (what a migration Job's container runs): {@code --jdbc-url URL
 * --user NAME --step expand|contract|bigbang --version 2.1}; the password comes from the
 * environment variable {@code PEOPLE_DB_PASSWORD} (not an argument: those show in process lists).
 * Exits 0 when the step ran, 1 with the reason on stderr when it failed or was refused.
 */
public final class PeopleMigrationsMain {
  private PeopleMigrationsMain() {}

  public static void main(String[] argv) {
    int code;
    try {
      Args a = new Args(argv);
      PeopleDb db = new PeopleDb(a.string("jdbc-url"), a.string("user"), System.getenv("PEOPLE_DB_PASSWORD"));
      PeopleMigrations.Result r = PeopleMigrations.run(db, a.string("step"), a.string("version"));
      System.out.println("ran " + r.step() + " of people " + r.version() + ": " + r.scripts());
      code = 0;
    } catch (RuntimeException e) {
      System.err.println(e.getMessage());
      code = 1;
    }
    System.exit(code);
  }
}
