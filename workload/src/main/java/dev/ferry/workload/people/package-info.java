/**
 * The people app: issue 8's worked example of expand/contract migrations (PERSON → ADDRESS) in four
 * versions (1.0, 2.1, 2.2, 2.3), its migrations ({@link dev.ferry.workload.people.PeopleMigrations}),
 * the app as an HTTP service ({@link dev.ferry.workload.people.PeopleService}), a load client that
 * checks what it reads ({@link dev.ferry.workload.people.PeopleLoad}) and a consistency check of the
 * data ({@link dev.ferry.workload.people.PeopleConsistency}). docs/workloads.md explains the design.
 */
package dev.ferry.workload.people;
